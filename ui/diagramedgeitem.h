#pragma once
// DiagramEdgeItem: an arrow of the network diagram from one node to the next (a straight line along the chain, or
// a polyline: a residual or dense connection around a block's layers), labelled with the tensor shape that flows
// along it ("256×56×56") beside its longest segment: right of a vertical one, above a horizontal one. Skip
// edges (the shortcut path of a residual or concatenating block) are drawn in the highlight's hue. Owned by the
// diagram's scene; GUI thread only.

#include <QGraphicsItem>
#include <QPolygonF>
#include <QString>

namespace convlens::diagram {

class DiagramEdgeItem : public QGraphicsItem {
public:
    // From `from` to `to` in scene coordinates.
    DiagramEdgeItem(const QPointF& from, const QPointF& to, const QString& label);
    // Along `path` (scene coordinates, at least two points, segments horizontal or vertical); the arrow at its end.
    DiagramEdgeItem(const QPolygonF& path, const QString& label, bool skip);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    const QString& label() const { return mLabel; }
    const QPolygonF& path() const { return mPath; }
    bool isSkip() const { return mSkip; }

private:
    // Where the label goes; `vertical` (may be null) says whether it is beside a vertical segment.
    QRectF labelRect(bool* vertical = nullptr) const;

    QPolygonF mPath;
    QString mLabel;
    bool mSkip = false;
};

}  // namespace convlens::diagram
