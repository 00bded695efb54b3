#pragma once
// ChannelViewDialog: one channel of a layer, large: the tile upscaled by a whole factor with nearest-neighbour
// sampling (each activation a visible square), or laid over the photo the network saw (smoothly upscaled to it,
// coloured, half transparent); a colormap choice (gray or one of the heatmap maps), a colour bar with the value
// range black and white stand for, the channel's statistics, and Previous/Next (or the arrow keys) through the
// layer's shown channels, strongest first. Non-modal; FeatureMapGrid keeps one and reuses it. Holds the ResultPtr
// it shows. GUI thread only.

#include "core/jobs/job.h"

#include <QDialog>
#include <QImage>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace convlens {

class ColorBarWidget;

class ChannelViewDialog : public QDialog {
    Q_OBJECT

public:
    explicit ChannelViewDialog(QWidget* parent = nullptr);

    // Shows tile `tileIndex` of `layer`, which must point into `*result`; `sharedScale` says how it was scaled.
    void setChannel(ResultPtr result, const LayerResult* layer, int tileIndex, bool sharedScale);
    int channel() const;                          // -1 when none
    QImage shownImage() const { return mShown; }  // the upscaled, coloured image on screen (for tests)
    void setColormapIndex(int index);             // 0 = gray, then jet, turbo, viridis, inferno
    int tileIndex() const { return mTile; }
    // The next or previous of the layer's shown channels (strongest first); false at either end.
    bool showNext();
    bool showPrevious();
    // The channel laid over the photo instead of alone.
    void setOverPhoto(bool over);

Q_SIGNALS:
    // Previous/Next moved to another tile (its index among the layer's tiles), so the grid selects it too.
    void tileChanged(int tileIndex);

private:
    void render();

    ResultPtr mResult;
    const LayerResult* mLayer = nullptr;
    int mTile = -1;
    bool mSharedScale = false;
    QImage mShown;
    QLabel* mTitle = nullptr;
    QLabel* mImage = nullptr;
    QLabel* mStats = nullptr;
    QComboBox* mColormap = nullptr;
    QCheckBox* mOverPhoto = nullptr;
    QPushButton* mPrevious = nullptr;
    QPushButton* mNext = nullptr;
    ColorBarWidget* mBar = nullptr;
};

}  // namespace convlens
