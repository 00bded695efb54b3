#include "ui/predictiondelegate.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace convlens {
namespace {

constexpr int kPadX = 10;
constexpr int kPadY = 7;
constexpr int kBarHeight = 6;
constexpr int kLineGap = 5;

}  // namespace

PredictionDelegate::PredictionDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QString PredictionDelegate::percentText(float probability)
{
    const double percent = std::clamp(static_cast<double>(probability), 0.0, 1.0) * 100.0;
    if (percent > 0.0 && percent < 0.01)
        return QStringLiteral("<0.01 %");
    return QStringLiteral("%1 %").arg(percent, 0, 'f', percent >= 10.0 ? 1 : 2);
}

QSize PredictionDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    const QFontMetrics metrics(option.font);
    return {200, kPadY + metrics.height() + kLineGap + kBarHeight + kPadY};
}

void PredictionDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette& palette = option.palette;
    const QRect row = option.rect;
    const bool selected = option.state & QStyle::State_Selected;
    const bool hovered = option.state & QStyle::State_MouseOver;

    // A tinted row rather than a solid highlight, so the highlight-coloured bar stays visible when selected.
    if (selected || hovered) {
        QColor tint = palette.color(QPalette::Highlight);
        tint.setAlphaF(selected ? 0.20f : 0.08f);
        painter->setPen(Qt::NoPen);
        painter->setBrush(tint);
        painter->drawRoundedRect(QRectF(row).adjusted(2, 1, -2, -1), 4, 4);
        if (selected) {
            painter->setBrush(palette.color(QPalette::Highlight));
            painter->drawRoundedRect(QRectF(row.left() + 2, row.top() + 5, 3, row.height() - 10), 1.5, 1.5);
        }
    }

    const QFontMetrics metrics(option.font);
    const int rank = index.data(RankRole).toInt();
    const float probability = index.data(ProbabilityRole).toFloat();
    const QString label = index.data(Qt::DisplayRole).toString();
    const QString percent = percentText(probability);

    const int rankWidth = metrics.horizontalAdvance(QStringLiteral("00"));
    const int percentWidth = metrics.horizontalAdvance(QStringLiteral("100.0 %"));
    const int textTop = row.top() + kPadY;
    const QRect rankRect(row.left() + kPadX, textTop, rankWidth, metrics.height());
    const int contentLeft = rankRect.right() + 1 + kPadX;
    const QRect percentRect(row.right() - kPadX - percentWidth, textTop, percentWidth, metrics.height());
    const QRect labelRect(contentLeft, textTop, percentRect.left() - 8 - contentLeft, metrics.height());

    painter->setFont(option.font);
    painter->setPen(palette.color(QPalette::PlaceholderText));
    painter->drawText(rankRect, Qt::AlignRight | Qt::AlignVCenter, QString::number(rank));

    QFont labelFont = option.font;
    if (rank == 1)
        labelFont.setWeight(QFont::DemiBold);
    painter->setFont(labelFont);
    painter->setPen(palette.color(QPalette::Text));
    painter->drawText(labelRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(labelFont).elidedText(label, Qt::ElideRight, labelRect.width()));
    painter->setFont(option.font);
    painter->drawText(percentRect, Qt::AlignRight | Qt::AlignVCenter, percent);

    const QRectF track(contentLeft, labelRect.bottom() + 1 + kLineGap, row.right() - kPadX - contentLeft, kBarHeight);
    QColor trackColour = palette.color(QPalette::Text);
    trackColour.setAlphaF(0.10f);
    painter->setPen(Qt::NoPen);
    painter->setBrush(trackColour);
    painter->drawRoundedRect(track, kBarHeight / 2.0, kBarHeight / 2.0);
    const double fraction = std::clamp(static_cast<double>(probability), 0.0, 1.0);
    if (fraction > 0.0) {
        // At least a dot, so a tiny probability is still visibly "some".
        QRectF fill = track;
        fill.setWidth(std::max(static_cast<double>(kBarHeight), track.width() * fraction));
        painter->setBrush(palette.color(QPalette::Highlight));
        painter->drawRoundedRect(fill, kBarHeight / 2.0, kBarHeight / 2.0);
    }
    painter->restore();
}

}  // namespace convlens
