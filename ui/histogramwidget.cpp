#include "ui/histogramwidget.h"

#include "ui/tilemodel.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace convlens {
namespace {

constexpr int kPadX = 4;
constexpr int kPadTop = 4;
constexpr int kAxisGap = 3;

}  // namespace

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAttribute(Qt::WA_Hover);
}

void HistogramWidget::setHistogram(std::vector<float> counts, float min, float max)
{
    mCounts = std::move(counts);
    mMin = min;
    mMax = max;
    update();
}

void HistogramWidget::clear()
{
    setHistogram({}, 0.0f, 0.0f);
}

QSize HistogramWidget::sizeHint() const
{
    return {320, 64 + kAxisGap + fontMetrics().height()};
}

QSize HistogramWidget::minimumSizeHint() const
{
    return {120, 40 + kAxisGap + fontMetrics().height()};
}

QRectF HistogramWidget::plotRect() const
{
    return QRectF(kPadX, kPadTop, width() - 2 * kPadX, height() - kPadTop - kAxisGap - fontMetrics().height());
}

int HistogramWidget::binAt(int x) const
{
    const QRectF plot = plotRect();
    if (mCounts.empty() || x < plot.left() || x >= plot.right())
        return -1;
    const int bin = static_cast<int>((x - plot.left()) / plot.width() * static_cast<double>(mCounts.size()));
    return std::clamp(bin, 0, static_cast<int>(mCounts.size()) - 1);
}

void HistogramWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const QPalette& pal = palette();
    const QRectF plot = plotRect();

    QColor panel = pal.color(QPalette::Text);
    panel.setAlphaF(0.04f);
    painter.setPen(Qt::NoPen);
    painter.setBrush(panel);
    painter.drawRect(plot);

    QColor axis = pal.color(QPalette::Text);
    axis.setAlphaF(0.30f);
    painter.setPen(QPen(axis, 1.0));
    painter.drawLine(QPointF(plot.left(), plot.bottom() + 0.5), QPointF(plot.right(), plot.bottom() + 0.5));

    if (mCounts.empty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(plot, Qt::AlignCenter, tr("No histogram"));
        return;
    }

    // log(1 + count): the zero bin of a ReLU layer holds most values and would flatten every other bar.
    double top = 0.0;
    for (float c : mCounts)
        top = std::max(top, std::log1p(std::max(0.0, static_cast<double>(c))));
    const double binWidth = plot.width() / static_cast<double>(mCounts.size());
    const double gap = binWidth >= 4.0 ? 1.0 : 0.0;
    painter.setPen(Qt::NoPen);
    painter.setBrush(pal.color(QPalette::Highlight));
    for (size_t i = 0; i < mCounts.size(); ++i) {
        const double v = std::log1p(std::max(0.0, static_cast<double>(mCounts[i])));
        if (v <= 0.0 || top <= 0.0)
            continue;
        const double h = std::max(1.0, v / top * plot.height());
        painter.drawRect(QRectF(plot.left() + i * binWidth, plot.bottom() - h, binWidth - gap, h));
    }

    painter.setPen(pal.color(QPalette::PlaceholderText));
    const QRectF labels(plot.left(), plot.bottom() + kAxisGap, plot.width(), fontMetrics().height());
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignTop, TileModel::formatValue(mMin));
    painter.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, tr("activation (log count)"));
    painter.drawText(labels, Qt::AlignRight | Qt::AlignTop, TileModel::formatValue(mMax));
}

bool HistogramWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int bin = binAt(help->pos().x());
        if (bin < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const double width = (static_cast<double>(mMax) - mMin) / static_cast<double>(mCounts.size());
        const double lo = mMin + bin * width;
        QToolTip::showText(help->globalPos(),
                           tr("%1 … %2: %3 values")
                               .arg(TileModel::formatValue(static_cast<float>(lo)),
                                    TileModel::formatValue(static_cast<float>(lo + width)))
                               .arg(static_cast<qint64>(std::llround(mCounts[static_cast<size_t>(bin)]))),
                           this);
        return true;
    }
    return QWidget::event(event);
}

}  // namespace convlens
