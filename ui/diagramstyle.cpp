#include "ui/diagramstyle.h"

#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QPalette>

#include <cmath>

namespace convlens::diagram {

QColor mix(const QColor& a, const QColor& b, qreal t)
{
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t, a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t, a.alphaF() * (1 - t) + b.alphaF() * t);
}

QColor textOn(const QColor& background)
{
    // Relative luminance (sRGB weights, no gamma: good enough to pick black or white).
    const qreal luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return luminance > 0.6 ? QColor(20, 20, 20) : QColor(255, 255, 255);
}

QColor secondaryText(const QPalette& palette)
{
    return mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.38);
}

QString formatShape(const std::vector<int64_t>& shape)
{
    QString text;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i > 0)
            text += QChar(0x00D7);
        text += QString::number(shape[i]);
    }
    return text;
}

QString formatCount(int64_t count)
{
    if (count >= 1'000'000)
        return QStringLiteral("%1 M").arg(static_cast<double>(count) / 1e6, 0, 'f', count >= 100'000'000 ? 0 : 1);
    if (count >= 1'000)
        return QStringLiteral("%1 k").arg(static_cast<double>(count) / 1e3, 0, 'f', count >= 100'000 ? 0 : 1);
    return QString::number(count);
}

QString formatGrouped(int64_t count)
{
    return QLocale(QLocale::English).toString(static_cast<qlonglong>(count));
}

QFont titleFont(const QFont& base)
{
    QFont font = base;
    font.setWeight(QFont::DemiBold);
    return font;
}

QFont detailFont(const QFont& base)
{
    QFont font = base;
    if (base.pointSizeF() > 0)
        font.setPointSizeF(std::max(7.0, base.pointSizeF() * 0.86));
    else
        font.setPixelSize(std::max(9, static_cast<int>(std::lround(base.pixelSize() * 0.86))));
    return font;
}

// The "CAM" badge: a small filled pill at the right edge of a node.
void paintCamBadge(QPainter* painter, const QRectF& node, const QFont& font)
{
    const QFontMetricsF metrics(font);
    const QString text = QStringLiteral("CAM");
    const qreal width = metrics.horizontalAdvance(text) + 12;
    const qreal height = metrics.height() + 2;
    const QRectF badge(node.right() - width - 8, node.center().y() - height / 2, width, height);
    // The colour of a heatmap's hot end: reads as "activation map" in light and dark palettes alike.
    const QColor hot(214, 39, 40);
    painter->setPen(Qt::NoPen);
    painter->setBrush(hot);
    painter->drawRoundedRect(badge, height / 2, height / 2);
    painter->setPen(Qt::white);
    painter->setFont(font);
    painter->drawText(badge, Qt::AlignCenter, text);
}

}  // namespace convlens::diagram
