#include "ui/diagramedgeitem.h"

#include "ui/diagramstyle.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>

namespace convlens::diagram {

namespace {
constexpr qreal kArrow = 5;        // arrowhead length and half width
constexpr qreal kLabelOffset = 8;  // label distance right of the line
constexpr qreal kLabelWidth = 100;
}  // namespace

DiagramEdgeItem::DiagramEdgeItem(const QPointF& from, const QPointF& to, const QString& label)
    : mFrom(from), mTo(to), mLabel(label)
{
    setData(kKindRole, static_cast<int>(ItemKind::Edge));
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(1);
}

QRectF DiagramEdgeItem::boundingRect() const
{
    const QRectF line = QRectF(mFrom, mTo).normalized().adjusted(-kArrow - 1, -1, kArrow + 1, 1);
    const QRectF label(mFrom.x() + kLabelOffset, std::min(mFrom.y(), mTo.y()), kLabelWidth,
                       std::abs(mTo.y() - mFrom.y()));
    return line.united(label);
}

void DiagramEdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QColor color = mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.45);
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal direction = mTo.y() >= mFrom.y() ? 1 : -1;
    const QPointF tip = mTo - QPointF(0, direction * 1);
    painter->setPen(QPen(color, 1.3));
    painter->drawLine(mFrom, tip - QPointF(0, direction * kArrow));
    QPolygonF head;
    head << tip << tip + QPointF(-kArrow * 0.8, -direction * kArrow)
         << tip + QPointF(kArrow * 0.8, -direction * kArrow);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(head);

    if (mLabel.isEmpty())
        return;
    const QFont font = detailFont(scene() ? scene()->font() : QFont());
    painter->setFont(font);
    painter->setPen(secondaryText(palette));
    const QRectF text(mFrom.x() + kLabelOffset, std::min(mFrom.y(), mTo.y()), kLabelWidth,
                      std::abs(mTo.y() - mFrom.y()));
    painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter, mLabel);
}

}  // namespace convlens::diagram
