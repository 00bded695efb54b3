#include "core/report/reportimage.h"

#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"

#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QFontMetrics>
#include <QPainter>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kMargin = 32;
constexpr int kPanel = 384;  // side of the input and overlay panels
const QColor kInk(0x22, 0x22, 0x22);
const QColor kMuted(0x6b, 0x6b, 0x6b);
const QColor kAccent(0x2f, 0x6f, 0xd0);
const QColor kTrack(0xe8, 0xeb, 0xf0);

QFont font(int pixelSize, bool bold = false)
{
    QFont f;
    f.setPixelSize(pixelSize);
    f.setBold(bold);
    return f;
}

}  // namespace

QString reportWeightsText(const QString& path, bool fullPath)
{
    if (path.isEmpty())
        return {};
    return fullPath ? QDir::toNativeSeparators(path) : QFileInfo(path).fileName();
}

QImage renderReport(const AnalysisResult& result, const ReportOptions& options)
{
    if (result.input.isNull())
        return {};
    const int classIndex = options.classIndex >= 0 ? options.classIndex
                           : result.prediction.top.empty() ? -1
                                                           : result.prediction.top.front().index;
    const CamResult* cam = result.findCam(options.method, classIndex);
    const LayerResult* layer = nullptr;
    for (const LayerResult& l : result.layers)
        if (QString::fromStdString(l.name) == options.layer)
            layer = &l;
    if (!layer && !result.layers.empty())
        layer = &result.layers.back();

    const int tileCount = layer ? std::min<int>(options.tiles, static_cast<int>(layer->tiles.size())) : 0;
    const int tileColumns = 8;
    const int tileSide = (kPanel * 2 + kMargin + 360 + kMargin - (tileColumns - 1) * 12) / tileColumns;
    const int tileRows = (tileCount + tileColumns - 1) / tileColumns;
    const int width = kMargin * 2 + kPanel * 2 + kMargin * 2 + 360;
    const int headerHeight = options.banner.isEmpty() ? 84 : 124;
    const int tilesTop = headerHeight + kPanel + 110;
    const int height = tilesTop + (tileRows > 0 ? 40 + tileRows * (tileSide + 34) : 0) + kMargin;

    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.setRenderHint(QPainter::SmoothPixmapTransform);

    // Header.
    p.setPen(kInk);
    p.setFont(font(26, true));
    const QString model = options.modelName.isEmpty() ? QString::fromStdString(result.modelId) : options.modelName;
    p.drawText(QRect(kMargin, 20, width - 2 * kMargin, 34), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("%1 — %2").arg(options.imageName.isEmpty() ? QStringLiteral("image") : options.imageName,
                                             model));
    p.setFont(font(14));
    p.setPen(kMuted);
    const QString weights = result.weights.empty()
                                ? QStringLiteral("untrained weights")
                                : reportWeightsText(QString::fromStdString(result.weights), options.fullPaths);
    p.drawText(QRect(kMargin, 54, width - 2 * kMargin, 20), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("ConvLens report · weights: %1 · image sha256 %2")
                   .arg(weights, QString::fromStdString(result.imageSha256).left(16)));
    if (!options.banner.isEmpty()) {
        const QRect bannerRect(kMargin, 80, width - 2 * kMargin, 32);
        p.fillRect(bannerRect, QColor(0xc0, 0x39, 0x2b));
        p.setPen(Qt::white);
        p.setFont(font(16, true));
        p.drawText(bannerRect, Qt::AlignCenter, options.banner);
    }

    // Input and overlay.
    const int top = headerHeight;
    const QRect inputRect(kMargin, top, kPanel, kPanel);
    const QRect overlayRect(kMargin * 2 + kPanel, top, kPanel, kPanel);
    p.drawImage(inputRect, result.input);
    QImage overlay = result.input;
    if (cam && !cam->guided.empty())
        overlay = guidedImage(*cam);
    else if (cam)
        overlay = overlayHeatmap(result.input, cam->heatmap, cam->heatmapSize, options.colormap, options.opacity);
    p.drawImage(overlayRect, overlay);
    p.setPen(kMuted);
    p.setFont(font(13));
    p.drawText(QRect(inputRect.left(), inputRect.bottom() + 6, kPanel, 18), Qt::AlignLeft,
               QStringLiteral("Network input (%1×%2)").arg(result.input.width()).arg(result.input.height()));
    const QRect barRect(overlayRect.left(), overlayRect.bottom() + 30, kPanel, 14);
    if (cam) {
        p.drawText(QRect(overlayRect.left(), overlayRect.bottom() + 6, kPanel, 18), Qt::AlignLeft,
                   QStringLiteral("%1 for “%2” at %3")
                       .arg(methodName(options.method), QString::fromStdString(cam->label),
                            QString::fromStdString(cam->layer)));
        p.drawImage(barRect, colorBar(options.colormap, kPanel, 14));
        p.drawText(QRect(barRect.left(), barRect.bottom() + 4, 60, 16), Qt::AlignLeft, QStringLiteral("low"));
        p.drawText(QRect(barRect.right() - 60, barRect.bottom() + 4, 60, 16), Qt::AlignRight, QStringLiteral("high"));
        const Faithfulness& f = cam->faithfulness;
        p.drawText(QRect(barRect.left(), barRect.bottom() + 22, kPanel, 18), Qt::AlignLeft,
                   !f.measured ? QStringLiteral("Faithfulness not measured")
                               : QStringLiteral("Confidence %1 → %2 on image × map (%3)")
                                     .arg(f.confidence, 0, 'f', 3)
                                     .arg(f.maskedConfidence, 0, 'f', 3)
                                     .arg(f.increase > 0 ? QStringLiteral("increase")
                                                         : QStringLiteral("drop %1").arg(f.drop, 0, 'f', 3)));
    } else {
        p.drawText(QRect(overlayRect.left(), overlayRect.bottom() + 6, kPanel, 18), Qt::AlignLeft,
                   QStringLiteral("No %1 map for this class").arg(methodName(options.method)));
    }

    // Predictions.
    const int predLeft = overlayRect.right() + kMargin * 2;
    const int predWidth = width - predLeft - kMargin;
    p.setPen(kInk);
    p.setFont(font(18, true));
    p.drawText(QRect(predLeft, top, predWidth, 24), Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("Top predictions"));
    int y = top + 36;
    for (const ClassScore& score : result.prediction.top) {
        const bool chosen = score.index == classIndex;
        p.setPen(kInk);
        p.setFont(font(15, chosen));
        const QString label = QFontMetrics(p.font()).elidedText(QString::fromStdString(score.label), Qt::ElideRight,
                                                                predWidth - 70);
        p.drawText(QRect(predLeft, y, predWidth - 70, 20), Qt::AlignLeft | Qt::AlignVCenter, label);
        p.drawText(QRect(predLeft + predWidth - 70, y, 70, 20), Qt::AlignRight | Qt::AlignVCenter,
                   score.probability < 0.001f ? QStringLiteral("<0.1%")
                                              : QStringLiteral("%1%").arg(score.probability * 100.0, 0, 'f', 1));
        const QRectF track(predLeft, y + 24, predWidth, 8);
        p.setPen(Qt::NoPen);
        p.setBrush(kTrack);
        p.drawRoundedRect(track, 4, 4);
        p.setBrush(chosen ? kAccent : kAccent.lighter(150));
        p.drawRoundedRect(QRectF(track.left(), track.top(), std::max(8.0, track.width() * score.probability), 8), 4, 4);
        y += 48;
    }
    if (!result.timingsMs.empty()) {
        const auto total = result.timingsMs.find("total");
        if (total != result.timingsMs.end()) {
            p.setPen(kMuted);
            p.setFont(font(13));
            p.drawText(QRect(predLeft, y + 8, predWidth, 18), Qt::AlignLeft,
                       QStringLiteral("Analysed in %1 ms").arg(total->second, 0, 'f', 0));
        }
    }

    // Feature maps.
    if (layer && tileCount > 0) {
        p.setPen(kInk);
        p.setFont(font(18, true));
        p.drawText(QRect(kMargin, tilesTop, width - 2 * kMargin, 24), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("Feature maps of %1 (%2) — strongest %3 channels · sparsity %4% · %5 dead")
                       .arg(QString::fromStdString(layer->name), shapeText(layer->shape))
                       .arg(tileCount)
                       .arg(layer->sparsity * 100.0, 0, 'f', 1)
                       .arg(layer->deadChannels));
        p.setFont(font(12));
        for (int i = 0; i < tileCount; ++i) {
            const ChannelTile& tile = layer->tiles[static_cast<std::size_t>(i)];
            const int x = kMargin + (i % tileColumns) * (tileSide + 12);
            const int ty = tilesTop + 40 + (i / tileColumns) * (tileSide + 34);
            p.setRenderHint(QPainter::SmoothPixmapTransform, false);
            p.drawImage(QRect(x, ty, tileSide, tileSide), tile.image);
            p.setPen(kMuted);
            p.drawText(QRect(x, ty + tileSide + 4, tileSide, 16), Qt::AlignHCenter,
                       QStringLiteral("ch %1 · %2").arg(tile.channel).arg(tile.mean, 0, 'f', 2));
        }
    }
    p.end();
    return image;
}

}  // namespace convlens
