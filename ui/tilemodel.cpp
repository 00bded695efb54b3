#include "ui/tilemodel.h"

#include <algorithm>
#include <cmath>

namespace convlens {
namespace {

// Pixmaps kept: a few screens of tiles; the rest are re-rendered when scrolled back to.
constexpr int kCachedTiles = 600;

}  // namespace

TileModel::TileModel(QObject* parent) : QAbstractListModel(parent)
{
    mPixmaps.setMaxCost(kCachedTiles);
}

void TileModel::setLayer(ResultPtr result, const LayerResult* layer, bool sharedScale)
{
    beginResetModel();
    mResult = layer ? std::move(result) : ResultPtr();
    mLayer = layer;
    mSharedScale = sharedScale;
    mPixmaps.clear();
    mRendered = 0;
    endResetModel();
}

void TileModel::setSharedScale(bool shared)
{
    if (shared == mSharedScale)
        return;
    mSharedScale = shared;
    // A redraw from the other scaling the result carries (ChannelTile::sharedImage).
    mPixmaps.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {Qt::DecorationRole, Qt::ToolTipRole});
}

int TileModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !mLayer ? 0 : static_cast<int>(mLayer->tiles.size());
}

QVariant TileModel::data(const QModelIndex& index, int role) const
{
    if (!mLayer || !index.isValid() || index.row() >= rowCount())
        return {};
    const ChannelTile& tile = mLayer->tiles[static_cast<size_t>(index.row())];
    switch (role) {
        case Qt::DisplayRole:
            return tileLabel(tile);
        case Qt::DecorationRole: {
            if (const QPixmap* cached = mPixmaps.object(index.row()))
                return *cached;
            QPixmap pixmap = render(index.row());
            mPixmaps.insert(index.row(), new QPixmap(pixmap));
            return pixmap;
        }
        case Qt::ToolTipRole:
            return toolTip(index.row());
        case Qt::AccessibleTextRole:
            return tr("Channel %1, mean %2").arg(tile.channel).arg(formatValue(tile.mean));
        case ChannelRole:
            return tile.channel;
        case MeanRole:
            return tile.mean;
        case TileIndexRole:
            return index.row();
        case DeadRole:
            return tile.channel >= 0 && tile.channel < static_cast<int>(mLayer->channels.size()) &&
                   mLayer->channels[static_cast<size_t>(tile.channel)].dead;
        default:
            return {};
    }
}

const QImage& TileModel::tileImage(const ChannelTile& tile, bool sharedScale)
{
    // A result without the second scaling (built by hand) shows the one it has.
    return sharedScale && !tile.sharedImage.isNull() ? tile.sharedImage : tile.image;
}

QString TileModel::tileLabel(const ChannelTile& tile)
{
    return QStringLiteral("ch %1 · %2").arg(tile.channel).arg(formatValue(tile.mean));
}

QString TileModel::formatValue(float value)
{
    const double v = value;
    const double magnitude = std::fabs(v);
    if (magnitude != 0.0 && (magnitude < 0.01 || magnitude >= 10000.0))
        return QString::number(v, 'g', 2);
    return QString::number(v, 'f', magnitude >= 100.0 ? 0 : magnitude >= 10.0 ? 1 : 2);
}

QString TileModel::lowValueText(const LayerResult& layer, const ChannelStats& stats, bool sharedScale)
{
    if (sharedScale)
        return formatValue(layer.histogramMin);
    if (stats.sparsity > 0.0f && layer.histogramMin >= 0.0f)
        return formatValue(0.0f);
    return tr("channel min");
}

QString TileModel::highValueText(const LayerResult& layer, const ChannelStats& stats, bool sharedScale)
{
    return formatValue(sharedScale ? layer.histogramMax : stats.max);
}

QPixmap TileModel::render(int row) const
{
    ++mRendered;
    const QImage& image = tileImage(mLayer->tiles[static_cast<size_t>(row)], mSharedScale);
    if (image.isNull())
        return {};
    // Small maps (7×7, 14×14) upscale by a whole factor without smoothing, so each activation stays a crisp
    // square; large ones are scaled smoothly to fit.
    const int longest = std::max(image.width(), image.height());
    if (longest * 3 <= kTileSide) {
        const int factor = kTileSide / longest;
        return QPixmap::fromImage(image.scaled(image.width() * factor, image.height() * factor, Qt::IgnoreAspectRatio,
                                               Qt::FastTransformation));
    }
    return QPixmap::fromImage(image.scaled(kTileSide, kTileSide, Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

QString TileModel::toolTip(int row) const
{
    const ChannelTile& tile = mLayer->tiles[static_cast<size_t>(row)];
    const bool known = tile.channel >= 0 && tile.channel < static_cast<int>(mLayer->channels.size());
    const ChannelStats stats = known ? mLayer->channels[static_cast<size_t>(tile.channel)] : ChannelStats{tile.mean};
    QString text = QStringLiteral("<b>%1 · channel %2</b><table cellspacing=\"0\" cellpadding=\"1\">")
                       .arg(QString::fromStdString(mLayer->name).toHtmlEscaped())
                       .arg(tile.channel);
    auto rowHtml = [](const QString& key, const QString& value) {
        return QStringLiteral("<tr><td>%1&nbsp;&nbsp;</td><td align=\"right\">%2</td></tr>").arg(key, value);
    };
    text += rowHtml(tr("mean"), formatValue(stats.mean));
    text += rowHtml(tr("max"), formatValue(stats.max));
    text += rowHtml(tr("sparsity"), QStringLiteral("%1 %").arg(stats.sparsity * 100.0, 0, 'f', 1));
    text += rowHtml(tr("size"), QStringLiteral("%1 × %2").arg(tile.image.width()).arg(tile.image.height()));
    text += rowHtml(tr("scale"),
                    QStringLiteral("%1 … %2 (%3)")
                        .arg(lowValueText(*mLayer, stats, mSharedScale), highValueText(*mLayer, stats, mSharedScale),
                             mSharedScale ? tr("shared") : tr("per channel")));
    text += QStringLiteral("</table>");
    if (stats.dead)
        text += QStringLiteral("<br><i>%1</i>").arg(tr("dead channel: constant output"));
    return text;
}

}  // namespace convlens
