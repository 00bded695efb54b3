#pragma once
// FeatureMapGrid: the feature maps of one layer: a virtualised grid of channel tiles (strongest first, label
// "ch <n> · <mean>", tooltip with the channel's statistics), the layer's histogram, sparsity and dead-channel
// count, and a per-channel / shared scale switch. Clicking a tile opens a large view of that channel.
// Holds the ResultPtr it shows, so tiles stay valid. GUI thread only.

#include "core/jobs/job.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QListView;
class QModelIndex;
class QStackedWidget;

namespace convlens {

class FeatureMapGrid : public QWidget {
    Q_OBJECT

public:
    explicit FeatureMapGrid(QWidget* parent = nullptr);

    // Shows layer `layer` of `result`; an unknown layer or a null result shows a hint instead. `layersComing`: the
    // result is partial and its feature maps follow (Analyzer's stage order): a grid showing this layer keeps it
    // until they come, keeping its place, and an empty one says they follow.
    void setLayer(ResultPtr result, const QString& layer, bool layersComing = false);
    void clear();
    QString layer() const { return mLayer; }
    int tileCount() const;
    // Whether "shared scale" is checked: the tiles drawn on the layer's scale (ChannelTile::sharedImage), else each
    // on its own. Toggling redraws; sharedScaleToggled tells the session, which keeps the choice.
    bool sharedScale() const;
    void setSharedScale(bool shared);  // does not emit
    // The large channel view, once a tile has been opened (for tests); owned by this widget.
    class ChannelViewDialog* channelDialog() const;

Q_SIGNALS:
    void sharedScaleToggled(bool shared);
    void channelActivated(const QString& layer, int channel);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void openTile(const QModelIndex& index);
    void spreadColumns();  // grid cells as wide as the view allows, so the columns fill it evenly

    ResultPtr mResult;
    QString mLayer;
    QListView* mView = nullptr;
    QLabel* mTitle = nullptr;
    QLabel* mSummary = nullptr;
    QLabel* mHint = nullptr;
    QStackedWidget* mStack = nullptr;
    QCheckBox* mShared = nullptr;
    class HistogramWidget* mHistogram = nullptr;
    class TileModel* mModel = nullptr;
    class ChannelViewDialog* mDialog = nullptr;
};

}  // namespace convlens
