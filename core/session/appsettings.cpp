#include "core/session/appsettings.h"

#include "core/inspect/methodcatalogue.h"
#include "core/report/colormap.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QVariantMap>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kMaxRecentFiles = 10;

// Keys in QSettings; the groups keep the file readable when a person opens it.
const QString kThreads = QStringLiteral("inference/threads");
const QString kDevice = QStringLiteral("inference/device");
const QString kCacheItems = QStringLiteral("cache/items");
const QString kDiskCache = QStringLiteral("cache/disk");
const QString kTopK = QStringLiteral("view/topK");
const QString kTiles = QStringLiteral("view/tilesPerLayer");
const QString kColormap = QStringLiteral("view/colormap");
const QString kMethod = QStringLiteral("view/method");
const QString kGridMethods = QStringLiteral("view/gridMethods");
const QString kAugSmooth = QStringLiteral("methods/augSmooth");
const QString kEigenSmooth = QStringLiteral("methods/eigenSmooth");
const QString kIgSteps = QStringLiteral("methods/integratedGradientsSteps");
const QString kIgBaseline = QStringLiteral("methods/integratedGradientsBaseline");
const QString kOcclusionWindow = QStringLiteral("methods/occlusionWindow");
const QString kOcclusionStride = QStringLiteral("methods/occlusionStride");
const QString kRoad = QStringLiteral("methods/road");
// The keys Open Folder used when it kept them itself, so the choices survive the move.
const QString kBatchFolder = QStringLiteral("batch/folder");
const QString kBatchRecursive = QStringLiteral("batch/recursive");
const QString kBatchSuffixes = QStringLiteral("batch/suffixes");
const QString kWeightsDir = QStringLiteral("weights/dir");
const QString kMirror = QStringLiteral("weights/mirror");
const QString kWeightsFiles = QStringLiteral("weights/files");
const QString kUntrained = QStringLiteral("weights/untrained");
const QString kRecentFiles = QStringLiteral("files/recent");
const QString kSelectedModels = QStringLiteral("models/selected");

// An integer setting within [low, high]; the default when absent, not a number, or out of range (a hand-edited
// or stale settings file must not start the app with, say, -3 threads).
int readInt(const QSettings& store, const QString& key, int fallback, int low, int high)
{
    bool ok = false;
    const int value = store.value(key).toInt(&ok);
    return ok && value >= low && value <= high ? value : fallback;
}

QString cleanPath(const QString& path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

}  // namespace

AppSettings AppSettings::load()
{
    const QSettings store;
    const AppSettings defaults;
    AppSettings s;
    s.threads = readInt(store, kThreads, defaults.threads, 0, 1024);
    // Checked when applied (the session says so and stays on the CPU): a CUDA device may come and go.
    s.device = store.value(kDevice, defaults.device).toString().trimmed().left(16);
    if (s.device.isEmpty())
        s.device = defaults.device;
    s.cacheItems = readInt(store, kCacheItems, defaults.cacheItems, 0, 100000);
    s.diskCache = store.value(kDiskCache, defaults.diskCache).toBool();
    s.topK = readInt(store, kTopK, defaults.topK, 1, 1000);
    s.tilesPerLayer = readInt(store, kTiles, defaults.tilesPerLayer, 0, 100000);
    const QString colormap = store.value(kColormap).toString();
    s.colormap = colormapFromName(colormap) ? colormap : defaults.colormap;
    s.method = store.value(kMethod, defaults.method).toString();
    if (!findMethod(s.method))
        s.method = defaults.method;
    s.batchFolder = store.value(kBatchFolder).toString();
    s.batchRecursive = store.value(kBatchRecursive, defaults.batchRecursive).toBool();
    s.batchSuffixes = store.value(kBatchSuffixes).toStringList();
    if (store.contains(kGridMethods)) {
        s.gridMethods.clear();
        for (const QString& id : store.value(kGridMethods).toStringList())
            if (findMethod(id) && !s.gridMethods.contains(id))
                s.gridMethods << id;
        if (s.gridMethods.isEmpty())
            s.gridMethods = defaults.gridMethods;
    }
    MethodOptions& m = s.methodOptions;
    const MethodOptions& d = defaults.methodOptions;
    m.augSmooth = store.value(kAugSmooth, d.augSmooth).toBool();
    m.eigenSmooth = store.value(kEigenSmooth, d.eigenSmooth).toBool();
    m.integratedGradientsSteps = readInt(store, kIgSteps, d.integratedGradientsSteps, 2, kMaxIntegratedGradientsSteps);
    const std::string baseline = store.value(kIgBaseline).toString().toStdString();
    const auto& baselines = integratedGradientsBaselines();
    if (std::find(baselines.begin(), baselines.end(), baseline) != baselines.end())
        m.integratedGradientsBaseline = baseline;
    // At most 1024: no model here crops more (the analysis checks the window against the model's crop).
    m.occlusionWindow = readInt(store, kOcclusionWindow, d.occlusionWindow, 1, 1024);
    m.occlusionStride = readInt(store, kOcclusionStride, d.occlusionStride, 1, 1024);
    m.road = store.value(kRoad, d.road).toBool();
    s.weightsDir = store.value(kWeightsDir).toString();
    s.mirror = store.value(kMirror).toString();
    s.recentFiles = store.value(kRecentFiles).toStringList().mid(0, kMaxRecentFiles);
    s.selectedModels = store.value(kSelectedModels).toStringList();
    const QVariantMap files = store.value(kWeightsFiles).toMap();
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        const QString path = it.value().toString();
        if (!it.key().isEmpty() && !path.isEmpty())
            s.weightsFiles.insert(it.key(), path);
    }
    s.untrainedAllowed = store.value(kUntrained).toStringList();
    return s;
}

ListOptions AppSettings::listing() const
{
    ListOptions options;
    options.recursive = batchRecursive;
    options.suffixes = batchSuffixes;
    return options;
}

void AppSettings::save() const
{
    QSettings store;
    store.setValue(kThreads, threads);
    store.setValue(kDevice, device);
    store.setValue(kCacheItems, cacheItems);
    store.setValue(kDiskCache, diskCache);
    store.setValue(kTopK, topK);
    store.setValue(kTiles, tilesPerLayer);
    store.setValue(kColormap, colormap);
    store.setValue(kMethod, method);
    store.setValue(kGridMethods, gridMethods);
    store.setValue(kBatchFolder, batchFolder);
    store.setValue(kBatchRecursive, batchRecursive);
    store.setValue(kBatchSuffixes, batchSuffixes);
    store.setValue(kAugSmooth, methodOptions.augSmooth);
    store.setValue(kEigenSmooth, methodOptions.eigenSmooth);
    store.setValue(kIgSteps, methodOptions.integratedGradientsSteps);
    store.setValue(kIgBaseline, QString::fromStdString(methodOptions.integratedGradientsBaseline));
    store.setValue(kOcclusionWindow, methodOptions.occlusionWindow);
    store.setValue(kOcclusionStride, methodOptions.occlusionStride);
    store.setValue(kRoad, methodOptions.road);
    store.setValue(kWeightsDir, weightsDir);
    store.setValue(kMirror, mirror);
    store.setValue(kRecentFiles, recentFiles);
    store.setValue(kSelectedModels, selectedModels);
    QVariantMap files;
    for (auto it = weightsFiles.cbegin(); it != weightsFiles.cend(); ++it)
        files.insert(it.key(), it.value());
    store.setValue(kWeightsFiles, files);
    store.setValue(kUntrained, untrainedAllowed);
    store.sync();
}

void AppSettings::addRecentFile(const QString& path)
{
    if (path.isEmpty())
        return;
    const QString clean = cleanPath(path);
    recentFiles.erase(std::remove_if(recentFiles.begin(), recentFiles.end(),
                                     [&clean](const QString& p) { return cleanPath(p) == clean; }),
                      recentFiles.end());
    recentFiles.prepend(clean);
    while (recentFiles.size() > kMaxRecentFiles)
        recentFiles.removeLast();
}

ResultCacheConfig AppSettings::cacheConfig(bool persistent) const
{
    ResultCacheConfig config = ResultCacheConfig::fromEnvironment(persistent && diskCache);
    if (!qEnvironmentVariableIsSet("CACHE_MAX_ITEMS"))
        config.maxItems = std::max(1, cacheItems);
    return config;
}

WeightsChoice AppSettings::weightsChoice(const QString& modelId) const
{
    return WeightsChoice{weightsFiles.value(modelId), weightsDir, untrainedAllowed.contains(modelId)};
}

}  // namespace convlens
