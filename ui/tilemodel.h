#pragma once
// TileModel: the channel tiles of one LayerResult as a list model for FeatureMapGrid's QListView. Pixmaps are
// rendered lazily, only when the view asks for a row's DecorationRole (visible tiles), and kept in a bounded
// cache, so a layer of 2048 channels costs nothing until scrolled to. Holds the ResultPtr so the layer stays
// valid. GUI thread only.

#include "core/jobs/job.h"

#include <QAbstractListModel>
#include <QCache>
#include <QPixmap>

namespace convlens {

class TileModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        ChannelRole = Qt::UserRole,  // int, the channel index in the layer
        MeanRole,                    // float
        TileIndexRole,               // int, index into LayerResult::tiles
        DeadRole,                    // bool, the channel's output is constant
    };

    explicit TileModel(QObject* parent = nullptr);

    // `layer` must point into `*result` (or be null to clear). `sharedScale` says how the tiles' 8-bit values
    // were scaled, for the tooltip's value range.
    void setLayer(ResultPtr result, const LayerResult* layer, bool sharedScale);
    void setSharedScale(bool shared);
    const LayerResult* layer() const { return mLayer; }
    const ResultPtr& result() const { return mResult; }

    // Longest side of the tile pixmaps (at most; small maps get a whole-number upscale that fits).
    static constexpr int kTileSide = 96;
    // How many pixmaps have been rendered since the last setLayer (for tests of the lazy rendering).
    int renderedCount() const { return mRendered; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    // "ch 12 · 0.53"
    static QString tileLabel(const ChannelTile& tile);
    // The tile's image on the shared (layer) scale or its own; the one it has when the other is missing.
    static const QImage& tileImage(const ChannelTile& tile, bool sharedScale);
    // The value black and white stand for in the tile: [channel minimum, max] per channel or the layer's range
    // when shared. Texts, because the per-channel minimum is not stored (it is 0 for a sparse ReLU output).
    static QString lowValueText(const LayerResult& layer, const ChannelStats& stats, bool sharedScale);
    static QString highValueText(const LayerResult& layer, const ChannelStats& stats, bool sharedScale);
    static QString formatValue(float value);

private:
    QPixmap render(int row) const;
    QString toolTip(int row) const;

    ResultPtr mResult;
    const LayerResult* mLayer = nullptr;
    bool mSharedScale = false;
    mutable QCache<int, QPixmap> mPixmaps;
    mutable int mRendered = 0;
};

}  // namespace convlens
