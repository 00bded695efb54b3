#include "ui/diagramminimap.h"

#include "ui/diagramstyle.h"

#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace convlens::diagram {

namespace {
constexpr int kFrame = 4;           // inside the border
constexpr qreal kMaxExtent = 0.45;  // of the viewport's height, at most
constexpr int kMinSide = 36;
constexpr int kMaxWidth = 150;
}  // namespace

DiagramMinimap::DiagramMinimap(QGraphicsView* view) : QWidget(view), mView(view)
{
    setObjectName(QStringLiteral("diagramMinimap"));
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Overview: click or drag to move the view"));
    mRenderTimer.setSingleShot(true);
    mRenderTimer.setInterval(120);
    connect(&mRenderTimer, &QTimer::timeout, this, [this] {
        mStale = true;
        update();
    });
    hide();
}

void DiagramMinimap::sceneChanged()
{
    if (isVisible())
        mRenderTimer.start();
    else
        mStale = true;
}

QSize DiagramMinimap::plannedSize() const
{
    const QRectF scene = mView->sceneRect();
    const QRect viewport = mView->viewport()->geometry();
    if (scene.isEmpty() || viewport.width() < 120 || viewport.height() < 120)
        return {};
    // The scene's aspect: a tall network a strip at most kMaxExtent of the viewport's height and kMaxWidth wide, a
    // wide one (left to right) a band half the viewport's width; never thinner than kMinSide.
    const qreal aspect = scene.width() / scene.height();
    qreal width = 0;
    qreal height = 0;
    if (aspect < 1) {
        height = viewport.height() * kMaxExtent;
        width = std::min<qreal>(height * aspect, kMaxWidth);
        height = width / aspect;
    } else {
        width = viewport.width() * 0.5;
        height = std::min<qreal>(width / aspect, viewport.height() * 0.3);
        width = height * aspect;
    }
    return QSize(std::max(kMinSide, static_cast<int>(std::ceil(width))) + 2 * kFrame,
                 std::max(kMinSide, static_cast<int>(std::ceil(height))) + 2 * kFrame);
}

void DiagramMinimap::invalidate()
{
    mStale = true;
    update();
}

void DiagramMinimap::refresh()
{
    const QRectF scene = mView->sceneRect();
    const QRect viewport = mView->viewport()->geometry();  // in the view's coordinates
    const QRectF shown = mView->mapToScene(mView->viewport()->rect()).boundingRect();
    const QSize size = plannedSize();
    if (size.isEmpty() || shown.contains(scene.adjusted(2, 2, -2, -2))) {
        hide();
        return;
    }
    const QRect geometry(viewport.right() - 8 - size.width(), viewport.bottom() - 8 - size.height(), size.width(),
                         size.height());
    if (geometry.size() != this->size())
        mStale = true;
    setGeometry(geometry);
    show();
    raise();
    update();
}

QRectF DiagramMinimap::contentRect() const
{
    // The scene scaled into the frame, keeping its aspect, centred.
    const QRectF frame = QRectF(rect()).adjusted(kFrame, kFrame, -kFrame, -kFrame);
    const QRectF scene = mView->sceneRect();
    if (scene.isEmpty())
        return frame;
    const qreal scale = std::min(frame.width() / scene.width(), frame.height() / scene.height());
    const QSizeF size(scene.width() * scale, scene.height() * scale);
    return QRectF(frame.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

QRectF DiagramMinimap::visibleRect() const
{
    const QRectF scene = mView->sceneRect();
    const QRectF content = contentRect();
    if (scene.isEmpty())
        return {};
    const qreal scale = content.width() / scene.width();
    const QRectF shown = mView->mapToScene(mView->viewport()->rect()).boundingRect().intersected(scene);
    return QRectF(content.topLeft() + (shown.topLeft() - scene.topLeft()) * scale, shown.size() * scale);
}

QPointF DiagramMinimap::toScene(const QPointF& pos) const
{
    const QRectF scene = mView->sceneRect();
    const QRectF content = contentRect();
    if (scene.isEmpty() || content.isEmpty())
        return {};
    return scene.topLeft() + (pos - content.topLeft()) * (scene.width() / content.width());
}

void DiagramMinimap::render()
{
    const qreal dpr = devicePixelRatioF();
    const QRectF content = contentRect();
    mPixmap = QPixmap((content.size() * dpr).toSize());
    mPixmap.setDevicePixelRatio(dpr);
    mPixmap.fill(palette().color(QPalette::Base));
    QPainter painter(&mPixmap);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    mView->scene()->render(&painter, QRectF(QPointF(0, 0), content.size()), mView->sceneRect());
    mStale = false;
}

void DiagramMinimap::paintEvent(QPaintEvent*)
{
    if (mStale || mPixmap.isNull())
        render();
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = mView->palette();
    const QColor text = pal.color(QPalette::Text);
    const QColor base = pal.color(QPalette::Base);
    painter.setPen(QPen(mix(text, base, 0.6), 1));
    painter.setBrush(base);
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    const QRectF content = contentRect();
    painter.drawPixmap(content.topLeft(), mPixmap);
    const QColor highlight = pal.color(QPalette::Highlight);
    QColor fill = highlight;
    fill.setAlphaF(0.15);
    painter.setBrush(fill);
    painter.setPen(QPen(highlight, 1.5));
    painter.drawRect(visibleRect().adjusted(0.5, 0.5, -0.5, -0.5));
}

void DiagramMinimap::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        mView->centerOn(toScene(event->position()));
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

void DiagramMinimap::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton) {
        mView->centerOn(toScene(event->position()));
        event->accept();
        return;
    }
    QWidget::mouseMoveEvent(event);
}

}  // namespace convlens::diagram
