#pragma once
// DiagramTerminalItem: the pill at either end of the network diagram ("Input image", "Class scores").
// Owned by the diagram's scene; GUI thread only.

#include <QGraphicsItem>
#include <QString>

namespace convlens::diagram {

class DiagramTerminalItem : public QGraphicsItem {
public:
    explicit DiagramTerminalItem(const QString& text);

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QString mText;
};

}  // namespace convlens::diagram
