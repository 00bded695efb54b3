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

namespace {

// The row's parts, from its rectangle: rank, label and figure on the first line.
struct RowLayout {
    QRect rank, label, percent;
};

RowLayout layoutRow(const QFontMetrics& metrics, const QRect& row, const QString& percent)
{
    RowLayout layout;
    const int rankWidth = metrics.horizontalAdvance(QStringLiteral("00"));
    // Only the room this row's figure takes (right-aligned, so the column still lines up): the name gets the rest.
    const int percentWidth = metrics.horizontalAdvance(percent);
    const int textTop = row.top() + kPadY;
    layout.rank = QRect(row.left() + kPadX, textTop, rankWidth, metrics.height());
    const int contentLeft = layout.rank.right() + 1 + kPadX;
    layout.percent = QRect(row.right() - kPadX - percentWidth, textTop, percentWidth, metrics.height());
    layout.label = QRect(contentLeft, textTop, layout.percent.left() - 8 - contentLeft, metrics.height());
    return layout;
}

QFont labelFont(const QFont& font, int rank)
{
    QFont bold = font;
    if (rank == 1)
        bold.setWeight(QFont::DemiBold);
    return bold;
}

}  // namespace

QString PredictionDelegate::shownLabel(const QFont& font, const QString& label, const QString& percent, int rowWidth,
                                       int rank)
{
    const RowLayout layout = layoutRow(QFontMetrics(font), QRect(0, 0, rowWidth, 40), percent);
    // Cut in the middle only when it really does not fit; the row's tooltip has the full name.
    return QFontMetrics(labelFont(font, rank)).elidedText(label, Qt::ElideMiddle, layout.label.width());
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

    const RowLayout layout = layoutRow(metrics, row, percent);
    const QRect rankRect = layout.rank, labelRect = layout.label, percentRect = layout.percent;
    const int contentLeft = labelRect.left();

    painter->setFont(option.font);
    painter->setPen(palette.color(QPalette::PlaceholderText));
    painter->drawText(rankRect, Qt::AlignRight | Qt::AlignVCenter, QString::number(rank));

    painter->setFont(labelFont(option.font, rank));
    painter->setPen(palette.color(QPalette::Text));
    painter->drawText(labelRect, Qt::AlignLeft | Qt::AlignVCenter,
                      shownLabel(option.font, label, percent, row.width(), rank));
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
