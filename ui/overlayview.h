#pragma once
// OverlayView: the image the network saw with a CAM heatmap blended over it (core/report overlayHeatmap),
// zoomable (wheel, Ctrl+=/-, Ctrl+0 fit, Ctrl+1 actual pixels) and pannable (drag). The crop is smooth-scaled
// both ways. It fits the window until the user zooms. Shows a placeholder text when empty. A heatmap whose size
// differs from the image's is stretched over it. GUI thread only. Torch-free.

#include "core/report/colormap.h"

#include <QGraphicsView>
#include <QImage>

#include <vector>

class QGraphicsPixmapItem;
class QGraphicsSimpleTextItem;

namespace convlens {

class OverlayView : public QGraphicsView {
    Q_OBJECT

public:
    explicit OverlayView(QWidget* parent = nullptr);

    // The RGB image (the network's crop). A null image clears the view and shows `placeholder`.
    void setImage(const QImage& rgb);
    void setPlaceholder(const QString& text);
    QString placeholder() const;  // the text shown when there is no image
    // size×size values in [0,1]; an empty vector removes the overlay.
    void setHeatmap(const std::vector<float>& heatmap, int size);
    void setColormap(Colormap map);
    void setOpacity(float opacity);  // [0,1]
    void setOverlayVisible(bool visible);
    // Draws the picture faded (what is shown is not the current request's result).
    void setDimmed(bool dimmed);

    Colormap colormap() const { return mColormap; }
    float opacity() const { return mOpacity; }
    bool overlayVisible() const { return mOverlayVisible; }
    bool hasHeatmap() const { return !mHeatmap.empty(); }
    // What is drawn now (the image with the overlay when visible), for tests and exports.
    QImage composedImage() const;
    double zoom() const;

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    void resetZoom();  // 1 image pixel = 1 screen pixel

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void recompose();
    void zoomBy(double factor);  // clamped; stops fitting on resize
    void applyPalette();

    QImage mImage;
    std::vector<float> mHeatmap;
    int mHeatmapSize = 0;
    Colormap mColormap = Colormap::Jet;
    float mOpacity = 0.5f;
    bool mOverlayVisible = true;
    bool mFitOnResize = true;  // until the user zooms
    QGraphicsPixmapItem* mPixmap = nullptr;
    QGraphicsSimpleTextItem* mPlaceholder = nullptr;
};

}  // namespace convlens
