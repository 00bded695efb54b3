#pragma once
// DiagramStageItem: one stage of the network diagram. Expanded, a frame tinted in the stage's category colour
// around its block nodes, with a header (expand indicator, stage name, block count); collapsed, one node with the
// same header and a summary line (block types, parameters), highlighted while it hides the selected block and
// badged while it hides the CAM target. A stage of one block is always drawn as such a node (with the block's
// name in its header when it differs from the stage's, and no expand indicator): it is that block's node.
// Owned by the diagram's scene; GUI thread only.

#include "core/inspect/networkdescription.h"

#include <QColor>
#include <QGraphicsItem>

namespace convlens::diagram {

class DiagramStageItem : public QGraphicsItem {
public:
    DiagramStageItem(const NetworkDescription& description, const StageDescription& stage);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    void setCollapsed(bool collapsed);
    bool isCollapsed() const { return mCollapsed; }
    // A one-block stage: drawn as a node whatever its collapsed state, unless its block shows its layers (then a
    // frame around the block, as any stage; the layout says so with setCompact(false)).
    bool isCompact() const { return mCompact; }
    void setCompact(bool compact);
    // Drawn as one node (collapsed or compact) rather than as a frame around block nodes.
    bool isNode() const { return mCollapsed || mCompact; }
    // Size of the expanded frame (the layout sets it from the blocks inside; wider than a node when an expanded
    // block's shortcut runs beside its layers, or left to right).
    void setFrameSize(const QSizeF& size);
    qreal height() const;
    qreal width() const;
    // Whether the selected block / the CAM target is one of this stage's blocks (shown while collapsed).
    void setHoldsSelection(bool holds);
    void setHoldsCamTarget(bool holds);
    // Whether `scenePos` lies on the header band (expanded) or anywhere on the node (collapsed).
    bool isOnHeader(const QPointF& scenePos) const;

private:
    QString mName;
    QString mCountText;
    QString mSummary;
    QColor mColor;
    QSizeF mFrameSize;
    bool mCollapsed = false;
    bool mCompact = false;
    bool mSingle = false;  // one block
    bool mHoldsSelection = false;
    bool mHoldsCamTarget = false;
};

}  // namespace convlens::diagram
