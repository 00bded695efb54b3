#include "ui/diagramterminalitem.h"

#include "ui/diagramstyle.h"

#include <QGraphicsScene>
#include <QPainter>

namespace convlens::diagram {

DiagramTerminalItem::DiagramTerminalItem(const QString& text) : mText(text)
{
    setData(kKindRole, static_cast<int>(ItemKind::Terminal));
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(2);
}

QRectF DiagramTerminalItem::boundingRect() const
{
    return QRectF(-1, -1, kTerminalWidth + 2, kTerminalHeight + 2);
}

void DiagramTerminalItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QRectF pill(0, 0, kTerminalWidth, kTerminalHeight);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setBrush(palette.color(QPalette::AlternateBase));
    painter->setPen(QPen(mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.6), 1.0));
    painter->drawRoundedRect(pill, kTerminalHeight / 2, kTerminalHeight / 2);
    painter->setFont(detailFont(scene() ? scene()->font() : QFont()));
    painter->setPen(palette.color(QPalette::Text));
    painter->drawText(pill, Qt::AlignCenter, mText);
}

}  // namespace convlens::diagram
