#include "ui/overlayview.h"

#include <QAction>
#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QWheelEvent>
#include <QtMath>

#include <algorithm>
#include <cmath>

namespace convlens {
namespace {

constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 40.0;
constexpr double kStep = 1.25;

// The overlay for an image whose size differs from the heatmap's (a caller that passes the original photo rather
// than the crop): the coloured heatmap is stretched to the image, then blended as overlayHeatmap does.
QImage stretchedOverlay(const QImage& image, const std::vector<float>& heatmap, int size, Colormap map, float opacity)
{
    const QImage colours =
        heatmapImage(heatmap, size, map).scaled(image.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const QImage base = image.convertToFormat(QImage::Format_RGB32);
    QImage out(image.size(), QImage::Format_RGB32);
    const float a = std::clamp(opacity, 0.0f, 1.0f);
    auto mix = [a](int u, int v) { return static_cast<int>(std::lround((1.0f - a) * u + a * v)); };
    for (int y = 0; y < out.height(); ++y) {
        const auto* b = reinterpret_cast<const QRgb*>(base.constScanLine(y));
        const auto* c = reinterpret_cast<const QRgb*>(colours.constScanLine(y));
        auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < out.width(); ++x)
            o[x] = qRgb(mix(qRed(b[x]), qRed(c[x])), mix(qGreen(b[x]), qGreen(c[x])), mix(qBlue(b[x]), qBlue(c[x])));
    }
    return out;
}

}  // namespace

OverlayView::OverlayView(QWidget* parent) : QGraphicsView(parent)
{
    auto* scene = new QGraphicsScene(this);
    setScene(scene);
    mPixmap = scene->addPixmap(QPixmap());
    // Smooth both ways: the 224 px crop is usually shown larger than it is, and a blocky crop reads as noise.
    mPixmap->setTransformationMode(Qt::SmoothTransformation);
    mPlaceholder = scene->addSimpleText(tr("No image"));
    QFont placeholderFont = font();
    placeholderFont.setPointSizeF(placeholderFont.pointSizeF() * 1.15);
    mPlaceholder->setFont(placeholderFont);

    setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setAlignment(Qt::AlignCenter);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(160, 160);

    auto addZoomAction = [this](const QString& text, const QList<QKeySequence>& keys, void (OverlayView::*slot)()) {
        auto* action = new QAction(text, this);
        action->setShortcuts(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
    };
    addZoomAction(tr("Zoom in"), {QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn}, &OverlayView::zoomIn);
    addZoomAction(tr("Zoom out"), {QKeySequence(Qt::CTRL | Qt::Key_Minus), QKeySequence::ZoomOut},
                  &OverlayView::zoomOut);
    addZoomAction(tr("Zoom to fit"), {QKeySequence(Qt::CTRL | Qt::Key_0)}, &OverlayView::zoomToFit);
    addZoomAction(tr("Actual pixels"), {QKeySequence(Qt::CTRL | Qt::Key_1)}, &OverlayView::resetZoom);

    applyPalette();
    recompose();
}

void OverlayView::setImage(const QImage& rgb)
{
    const bool sizeChanged = rgb.size() != mImage.size();
    mImage = rgb;
    recompose();
    if (sizeChanged) {
        mFitOnResize = true;
        zoomToFit();
    }
}

void OverlayView::setPlaceholder(const QString& text)
{
    mPlaceholder->setText(text);
    if (mImage.isNull())
        recompose();
}

QString OverlayView::placeholder() const
{
    return mPlaceholder->text();
}

void OverlayView::setHeatmap(const std::vector<float>& heatmap, int size)
{
    if (size <= 0 || heatmap.size() != static_cast<size_t>(size) * static_cast<size_t>(size)) {
        if (!heatmap.empty())
            qWarning("OverlayView: heatmap of %zu values is not %d×%d; overlay removed", heatmap.size(), size, size);
        mHeatmap.clear();
        mHeatmapSize = 0;
    } else {
        mHeatmap = heatmap;
        mHeatmapSize = size;
    }
    recompose();
}

void OverlayView::setColormap(Colormap map)
{
    if (map == mColormap)
        return;
    mColormap = map;
    recompose();
}

void OverlayView::setOpacity(float opacity)
{
    opacity = std::clamp(opacity, 0.0f, 1.0f);
    if (opacity == mOpacity)
        return;
    mOpacity = opacity;
    recompose();
}

void OverlayView::setOverlayVisible(bool visible)
{
    if (visible == mOverlayVisible)
        return;
    mOverlayVisible = visible;
    recompose();
}

QImage OverlayView::composedImage() const
{
    if (mImage.isNull() || !mOverlayVisible || mHeatmap.empty())
        return mImage;
    if (mImage.width() == mHeatmapSize && mImage.height() == mHeatmapSize)
        return overlayHeatmap(mImage, mHeatmap, mHeatmapSize, mColormap, mOpacity);
    return stretchedOverlay(mImage, mHeatmap, mHeatmapSize, mColormap, mOpacity);
}

double OverlayView::zoom() const
{
    return transform().m11();
}

void OverlayView::zoomIn()
{
    zoomBy(kStep);
}

void OverlayView::zoomOut()
{
    zoomBy(1.0 / kStep);
}

void OverlayView::zoomToFit()
{
    mFitOnResize = true;
    if (mImage.isNull())
        return;
    const QRectF target = mPixmap->sceneBoundingRect();
    const QRectF port = viewport()->rect().adjusted(8, 8, -8, -8);
    if (target.isEmpty() || port.width() < 1 || port.height() < 1)
        return;
    const double factor =
        std::clamp(std::min(port.width() / target.width(), port.height() / target.height()), kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(factor, factor));
    centerOn(target.center());
}

void OverlayView::resetZoom()
{
    mFitOnResize = false;
    setTransform(QTransform());
    if (!mImage.isNull())
        centerOn(mPixmap->sceneBoundingRect().center());
}

void OverlayView::wheelEvent(QWheelEvent* event)
{
    if (mImage.isNull()) {
        event->ignore();
        return;
    }
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    // 120 units (one notch) = one zoom step; touchpads send smaller deltas for a smooth zoom.
    zoomBy(std::pow(kStep, delta / 120.0));
    event->accept();
}

void OverlayView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    if (mFitOnResize)
        zoomToFit();
}

void OverlayView::changeEvent(QEvent* event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyPalette();
}

void OverlayView::zoomBy(double factor)
{
    if (mImage.isNull())
        return;
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    if (qFuzzyCompare(target, zoom()))
        return;
    mFitOnResize = false;
    const double applied = target / zoom();
    scale(applied, applied);
}

void OverlayView::applyPalette()
{
    // A backdrop a shade away from the window colour frames the image in light and dark palettes alike.
    const QColor window = palette().color(QPalette::Window);
    setBackgroundBrush(window.lightness() > 128 ? window.darker(107) : window.darker(130));
    mPlaceholder->setBrush(palette().color(QPalette::PlaceholderText));
    QFont placeholderFont = font();
    placeholderFont.setPointSizeF(placeholderFont.pointSizeF() * 1.15);
    mPlaceholder->setFont(placeholderFont);
    if (mImage.isNull())
        recompose();
}

void OverlayView::recompose()
{
    const bool empty = mImage.isNull();
    mPlaceholder->setVisible(empty);
    mPixmap->setVisible(!empty);
    if (empty) {
        mPixmap->setPixmap(QPixmap());
        setDragMode(NoDrag);
        setTransform(QTransform());
        setSceneRect(mPlaceholder->sceneBoundingRect());
        return;
    }
    mPixmap->setPixmap(QPixmap::fromImage(composedImage()));
    setSceneRect(mPixmap->sceneBoundingRect());
    setDragMode(ScrollHandDrag);
}

void OverlayView::setDimmed(bool dimmed)
{
    mPixmap->setOpacity(dimmed ? 0.4 : 1.0);
}

}  // namespace convlens
