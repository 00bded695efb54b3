#include "ui/tiledelegate.h"

#include "ui/tilemodel.h"

#include <QPainter>
#include <QPixmap>

#include <algorithm>

namespace convlens {
namespace {

constexpr int kPad = 6;
constexpr int kLabelGap = 4;

QFont labelFont(const QFont& base)
{
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() * 0.9);
    return font;
}

}  // namespace

TileDelegate::TileDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QSize TileDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    return cellSize(option.font);
}

QSize TileDelegate::cellSize(const QFont& font)
{
    const int side = TileModel::kTileSide + 2 * kPad;
    return {side, side + kLabelGap + QFontMetrics(labelFont(font)).height()};
}

void TileDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette& palette = option.palette;
    const QRect cell = option.rect;
    const bool selected = option.state & QStyle::State_Selected;
    const bool hovered = option.state & QStyle::State_MouseOver;

    // The view may hand out grid cells wider than sizeHint (FeatureMapGrid spreads the columns); centre in them.
    const QSize natural = sizeHint(option, index);
    const QRect box(cell.left() + (cell.width() - natural.width()) / 2, cell.top(), natural.width(),
                    std::min(cell.height(), natural.height()));
    if (selected || hovered) {
        QColor tint = palette.color(QPalette::Highlight);
        tint.setAlphaF(selected ? 0.25f : 0.10f);
        painter->setPen(selected ? QPen(palette.color(QPalette::Highlight), 1.0) : QPen(Qt::NoPen));
        painter->setBrush(tint);
        painter->drawRoundedRect(QRectF(box).adjusted(1.5, 1.5, -1.5, -1.5), 5, 5);
    }

    const QRect tileArea(box.left() + kPad, box.top() + kPad, TileModel::kTileSide, TileModel::kTileSide);
    const QPixmap pixmap = index.data(Qt::DecorationRole).value<QPixmap>();
    const bool dead = index.data(TileModel::DeadRole).toBool();
    if (!pixmap.isNull()) {
        QRect target(QPoint(0, 0), pixmap.deviceIndependentSize().toSize());
        target.moveCenter(tileArea.center());
        painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
        if (dead)
            painter->setOpacity(0.35);
        painter->drawPixmap(target, pixmap);
        painter->setOpacity(1.0);
        QColor frame = palette.color(QPalette::Text);
        frame.setAlphaF(0.22f);
        painter->setPen(QPen(frame, 1.0));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(QRectF(target).adjusted(-0.5, -0.5, 0.5, 0.5));
    }

    const QFont font = labelFont(option.font);
    const QFontMetrics metrics(font);
    const QRect labelRect(box.left() + 2, tileArea.bottom() + 1 + kLabelGap, box.width() - 4, metrics.height());
    painter->setFont(font);
    painter->setPen(palette.color(dead ? QPalette::PlaceholderText : QPalette::Text));
    const QString label = dead ? tr("ch %1 · dead").arg(index.data(TileModel::ChannelRole).toInt())
                               : index.data(Qt::DisplayRole).toString();
    painter->drawText(labelRect, Qt::AlignHCenter | Qt::AlignTop,
                      metrics.elidedText(label, Qt::ElideRight, labelRect.width()));
    painter->restore();
}

}  // namespace convlens
