#pragma once
// DiagramBlockItem: one block of the network diagram, a rounded node with the block's name and module type,
// its parameter count, a stripe in its stage's category colour, the palette's highlight when selected and a "CAM" badge
// when it is the CAM target; a block with layers to show has a small chevron at its bottom edge (pointing down while
// its layers are shown below it). Owned by the diagram's scene; GUI thread only.

#include "core/inspect/networkdescription.h"

#include <QColor>
#include <QGraphicsItem>

namespace convlens::diagram {

class DiagramBlockItem : public QGraphicsItem {
public:
    DiagramBlockItem(const BlockDescription& block, const QColor& categoryColor);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    void setSelectedBlock(bool selected);
    void setCamTarget(bool camTarget);
    void setExpanded(bool expanded);

private:
    QString mName;
    QString mType;
    QString mParameters;  // "2.4 M", or "" for a block without parameters
    QColor mColor;
    bool mSelected = false;
    bool mCamTarget = false;
    bool mExpandable = false;
    bool mExpanded = false;
};

}  // namespace convlens::diagram
