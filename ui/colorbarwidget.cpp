#include "ui/colorbarwidget.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace convlens {
namespace {

constexpr int kBarHeight = 10;
constexpr int kLabelGap = 3;
constexpr qreal kRadius = 3.0;

}  // namespace

ColorBarWidget::ColorBarWidget(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("Heatmap colour scale: low relevance on the left, high on the right"));
}

void ColorBarWidget::setColormap(Colormap map)
{
    if (map == mColormap)
        return;
    mColormap = map;
    update();
}

void ColorBarWidget::setGrayscale(bool gray)
{
    if (gray == mGrayscale)
        return;
    mGrayscale = gray;
    update();
}

void ColorBarWidget::setLabels(const QString& low, const QString& high)
{
    mLow = low;
    mHigh = high;
    updateGeometry();
    update();
}

void ColorBarWidget::setCaption(const QString& caption)
{
    mCaption = caption;
    updateGeometry();
    update();
}

QSize ColorBarWidget::sizeHint() const
{
    const QFontMetrics metrics(font());
    const int labels =
        metrics.horizontalAdvance(mLow) + metrics.horizontalAdvance(mHigh) + metrics.horizontalAdvance(mCaption);
    return {std::max(160, labels + 40), kBarHeight + kLabelGap + metrics.height() + 2};
}

void ColorBarWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF bar = QRectF(rect()).adjusted(0.5, 0.5, -0.5, 0);
    const QRectF barRect(bar.left(), bar.top(), bar.width(), kBarHeight);

    QPainterPath path;
    path.addRoundedRect(barRect, kRadius, kRadius);
    painter.save();
    painter.setClipPath(path);
    if (mGrayscale) {
        QLinearGradient gradient(barRect.topLeft(), barRect.topRight());
        gradient.setColorAt(0.0, Qt::black);
        gradient.setColorAt(1.0, Qt::white);
        painter.fillRect(barRect, gradient);
    } else {
        painter.drawImage(barRect, colorBar(mColormap, std::max(2, static_cast<int>(barRect.width())), 1));
    }
    painter.restore();
    QColor frame = palette().color(QPalette::WindowText);
    frame.setAlphaF(0.25f);
    painter.setPen(QPen(frame, 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(path);

    painter.setPen(palette().color(QPalette::WindowText));
    const QRectF labels(rect().left(), barRect.bottom() + kLabelGap, rect().width(),
                        rect().height() - barRect.height() - kLabelGap);
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignTop, mLow);
    painter.drawText(labels, Qt::AlignRight | Qt::AlignTop, mHigh);
    if (!mCaption.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, mCaption);
    }
}

}  // namespace convlens
