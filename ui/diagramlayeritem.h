#pragma once
// DiagramLayerItem: a node inside an expanded block of the network diagram. A layer (its type on the first line,
// its options on the second — "3×3, stride 2" — and a thin stripe in the block's category colour; the palette's
// highlight when selected), or the node where the block's paths merge: a pill saying "add" or "concat". Owned by
// the diagram's scene; GUI thread only.

#include "core/inspect/networkdescription.h"
#include "ui/diagramstyle.h"

#include <QColor>
#include <QGraphicsItem>

namespace convlens::diagram {

class DiagramLayerItem : public QGraphicsItem {
public:
    // A layer of a block.
    DiagramLayerItem(const LayerDescription& layer, const QColor& categoryColor);
    // The merge of `block` (or of one of its units, e.g. a dense layer, named `name`).
    DiagramLayerItem(const BlockDescription& block, const QString& name);

    static QSizeF layerSize() { return {kLayerWidth, kLayerHeight}; }
    static QSizeF mergeSize() { return {kMergeWidth, kMergeHeight}; }
    QSizeF size() const { return mMerge ? mergeSize() : layerSize(); }
    bool isMerge() const { return mMerge; }
    const QString& text() const { return mTitle; }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    void setSelectedLayer(bool selected);

private:
    QString mTitle;
    QString mDetail;
    QColor mColor;
    bool mMerge = false;
    bool mSelected = false;
};

}  // namespace convlens::diagram
