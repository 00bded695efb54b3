#pragma once
// DiagramMinimap: the overview in a corner of the network diagram: the whole scene scaled down, with the part the
// view shows outlined; a click or drag in it centres the view there. It hides itself while the view shows the whole
// scene. A child of the view (not of its viewport, which scrolls its children); GUI thread only.

#include <QPixmap>
#include <QTimer>
#include <QWidget>

class QGraphicsView;

namespace convlens::diagram {

class DiagramMinimap : public QWidget {
    Q_OBJECT

public:
    explicit DiagramMinimap(QGraphicsView* view);

    // Places itself in the viewport's bottom-right corner at a size of the scene's aspect, shows or hides itself,
    // and repaints the outline. Called by the view when it scrolls, zooms, resizes or lays out.
    void refresh();
    // The size it takes when shown at the view's current size (whether or not the scene fits), or an empty size when
    // the view is too small for one: the view keeps that corner free when it fits the diagram to its width.
    QSize plannedSize() const;
    // Re-renders the scene soon (its items changed), or at the next paint (the palette changed).
    void sceneChanged();
    void invalidate();

    // The scene rectangle the view shows, in this widget's coordinates (tests).
    QRectF visibleRect() const;
    // The scene point under a position of this widget.
    QPointF toScene(const QPointF& pos) const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRectF contentRect() const;  // where the scene is drawn, inside the frame
    void render();

    QGraphicsView* mView;
    QPixmap mPixmap;
    QTimer mRenderTimer;
    bool mStale = true;
};

}  // namespace convlens::diagram
