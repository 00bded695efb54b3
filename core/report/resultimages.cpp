#include "core/report/resultimages.h"

#include "core/inspect/guidedimage.h"
#include "core/report/npy.h"

#include <QDir>
#include <QPainter>

#include <cmath>

namespace convlens {

QString fileNamePart(const std::string& name)
{
    QString s = QString::fromStdString(name);
    for (QChar& c : s)
        if (!c.isLetterOrNumber() && c != QLatin1Char('-') && c != QLatin1Char('_'))
            c = QLatin1Char('_');
    return s;
}

QImage layerContactSheet(const LayerResult& layer)
{
    if (layer.tiles.empty())
        return {};
    const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(layer.tiles.size()))));
    const int rows = (static_cast<int>(layer.tiles.size()) + columns - 1) / columns;
    const int cell = 64;
    const int gap = 2;
    QImage sheet(columns * (cell + gap) + gap, rows * (cell + gap) + gap, QImage::Format_RGB32);
    sheet.fill(QColor(32, 32, 32));
    QPainter painter(&sheet);
    for (size_t i = 0; i < layer.tiles.size(); ++i) {
        const int col = static_cast<int>(i) % columns;
        const int row = static_cast<int>(i) / columns;
        painter.drawImage(QRect(gap + col * (cell + gap), gap + row * (cell + gap), cell, cell), layer.tiles[i].image);
    }
    return sheet;
}

Expected<void> writeResultImages(const QString& folder, const AnalysisResult& result, Colormap colormap)
{
    if (!QDir().mkpath(folder))
        return makeError(ErrorKind::Internal, "cannot create the folder " + folder.toStdString());
    QStringList failed;
    auto save = [&](const QImage& image, const QString& name) {
        if (!image.save(folder + QLatin1Char('/') + name))
            failed << name;
    };
    save(result.input, QStringLiteral("input.png"));
    for (const CamResult& cam : result.cams) {
        const QString part = QStringLiteral("%1_%2.png").arg(fileNamePart(cam.method)).arg(cam.classIndex);
        save(overlayHeatmap(result.input, cam.heatmap, cam.heatmapSize, colormap, 0.5f), QStringLiteral("cam_") + part);
        // Input-space methods also have an image of their own (pytorch-grad-cam's deprocess_image).
        if (!cam.guided.empty())
            save(guidedImage(cam), QStringLiteral("guided_") + part);
    }
    for (const LayerResult& layer : result.layers) {
        const QImage sheet = layerContactSheet(layer);
        if (!sheet.isNull())
            save(sheet, QStringLiteral("layer_%1.png").arg(fileNamePart(layer.name)));
    }
    if (!failed.isEmpty())
        return makeError(ErrorKind::Internal, "could not write " + failed.join(QStringLiteral(", ")).toStdString() +
                                                  " in " + folder.toStdString());
    return {};
}

Expected<QStringList> writeResultArrays(const QString& folder, const AnalysisResult& result)
{
    if (!QDir().mkpath(folder))
        return makeError(ErrorKind::Internal, "cannot create the folder " + folder.toStdString());
    QStringList written;
    std::vector<std::string> failed;
    auto write = [&](const QString& name, const std::vector<float>& values, const std::vector<int64_t>& shape) {
        const Expected<void> done = writeNpy(folder + QLatin1Char('/') + name, values, shape);
        if (done)
            written << name;
        else
            failed.push_back(done.message());
    };
    for (const CamResult& cam : result.cams) {
        const QString part = QStringLiteral("%1_%2.npy").arg(fileNamePart(cam.method)).arg(cam.classIndex);
        write(QStringLiteral("cam_") + part, cam.grid, {cam.gridHeight, cam.gridWidth});
        write(QStringLiteral("heatmap_") + part, cam.heatmap, {cam.heatmapSize, cam.heatmapSize});
        if (!cam.guided.empty())
            write(QStringLiteral("guided_") + part, cam.guided, {3, cam.heatmapSize, cam.heatmapSize});
    }
    for (const LayerResult& layer : result.layers) {
        const QString stem = QStringLiteral("layer_%1_").arg(fileNamePart(layer.name));
        std::vector<float> means, maxima;
        for (const ChannelStats& channel : layer.channels) {
            means.push_back(channel.mean);
            maxima.push_back(channel.max);
        }
        const auto channels = static_cast<int64_t>(layer.channels.size());
        write(stem + QStringLiteral("channel_mean.npy"), means, {channels});
        write(stem + QStringLiteral("channel_max.npy"), maxima, {channels});
        write(stem + QStringLiteral("histogram.npy"), layer.histogram, {static_cast<int64_t>(layer.histogram.size())});
        if (!layer.activations.empty())
            write(stem + QStringLiteral("activations.npy"), layer.activations, layer.shape);
    }
    if (!failed.empty())
        return makeError(ErrorKind::Internal, failed.front() + (failed.size() > 1 ? " (and " +
                                                                      std::to_string(failed.size() - 1) + " more)"
                                                                                    : std::string()));
    return written;
}

}  // namespace convlens
