#include "ui/diagramedgeitem.h"

#include "ui/diagramstyle.h"

#include <QGraphicsScene>
#include <QPainter>

#include <cmath>

namespace convlens::diagram {

namespace {
constexpr qreal kArrow = 5;        // arrowhead length and half width
constexpr qreal kLabelOffset = 8;  // label distance beside the line
constexpr qreal kLabelWidth = 100;
constexpr qreal kLabelHeight = 14;

QPointF unit(const QPointF& from, const QPointF& to)
{
    const QPointF d = to - from;
    const qreal length = std::hypot(d.x(), d.y());
    return length > 0 ? d / length : QPointF(0, 1);
}
}  // namespace

DiagramEdgeItem::DiagramEdgeItem(const QPointF& from, const QPointF& to, const QString& label)
    : DiagramEdgeItem(QPolygonF{from, to}, label, false)
{
}

DiagramEdgeItem::DiagramEdgeItem(const QPolygonF& path, const QString& label, bool skip)
    : mPath(path), mLabel(label), mSkip(skip)
{
    if (mPath.size() < 2)
        mPath = {QPointF(), QPointF()};
    setData(kKindRole, static_cast<int>(ItemKind::Edge));
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(1);
}

QRectF DiagramEdgeItem::labelRect(bool* vertical) const
{
    // Beside the longest segment, so a skip edge's label sits on its lane.
    int longest = 0;
    qreal best = -1;
    for (int i = 0; i + 1 < mPath.size(); ++i) {
        const QPointF d = mPath[i + 1] - mPath[i];
        const qreal length = std::abs(d.x()) + std::abs(d.y());
        if (length > best) {
            best = length;
            longest = i;
        }
    }
    const QPointF a = mPath[longest];
    const QPointF b = mPath[longest + 1];
    const bool upright = std::abs(a.x() - b.x()) < 0.5;
    if (vertical)
        *vertical = upright;
    if (upright)  // to its right
        return QRectF(a.x() + kLabelOffset, std::min(a.y(), b.y()), kLabelWidth, std::abs(b.y() - a.y()));
    return QRectF(std::min(a.x(), b.x()), a.y() - kLabelHeight - 2, std::abs(b.x() - a.x()), kLabelHeight);
}

QRectF DiagramEdgeItem::boundingRect() const
{
    QRectF rect = mPath.boundingRect().adjusted(-kArrow - 1, -kArrow - 1, kArrow + 1, kArrow + 1);
    if (!mLabel.isEmpty())
        rect = rect.united(labelRect());
    return rect;
}

void DiagramEdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QColor text = palette.color(QPalette::Text);
    const QColor base = palette.color(QPalette::Base);
    const QColor color =
        mSkip ? mix(mix(text, palette.color(QPalette::Highlight), 0.7), base, 0.2) : mix(text, base, 0.45);
    painter->setRenderHint(QPainter::Antialiasing);

    const QPointF end = mPath.back();
    const QPointF direction = unit(mPath[mPath.size() - 2], end);
    const QPointF tip = end - direction * 1;
    QPolygonF line = mPath;
    line.back() = tip - direction * kArrow;
    painter->setPen(QPen(color, mSkip ? 1.5 : 1.3, Qt::SolidLine, Qt::FlatCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    painter->drawPolyline(line);
    const QPointF normal(-direction.y(), direction.x());
    QPolygonF head;
    head << tip << tip - direction * kArrow + normal * kArrow * 0.8 << tip - direction * kArrow - normal * kArrow * 0.8;
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(head);

    if (mLabel.isEmpty())
        return;
    const QFont font = detailFont(scene() ? scene()->font() : QFont());
    painter->setFont(font);
    painter->setPen(secondaryText(palette));
    bool vertical = true;
    const QRectF rect = labelRect(&vertical);
    painter->drawText(rect, (vertical ? Qt::AlignLeft : Qt::AlignHCenter) | Qt::AlignVCenter, mLabel);
}

}  // namespace convlens::diagram
