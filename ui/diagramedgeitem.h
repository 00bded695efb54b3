#pragma once
// DiagramEdgeItem: an arrow of the network diagram from one node down to the next, labelled with the tensor
// shape that flows along it ("256×56×56"). Owned by the diagram's scene; GUI thread only.

#include <QGraphicsItem>
#include <QString>

namespace convlens::diagram {

class DiagramEdgeItem : public QGraphicsItem {
public:
    // From `from` to `to` in scene coordinates (the diagram draws straight vertical edges).
    DiagramEdgeItem(const QPointF& from, const QPointF& to, const QString& label);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    const QString& label() const { return mLabel; }

private:
    QPointF mFrom;
    QPointF mTo;
    QString mLabel;
};

}  // namespace convlens::diagram
