#include "ui/appsettings.h"

#include "core/common/threads.h"
#include "core/report/colormap.h"
#include "core/weights/weightdownloader.h"
#include "core/weights/weightstore.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QVariantMap>

#include <algorithm>
#include <optional>

namespace convlens {

namespace {

constexpr int kMaxRecentFiles = 10;

// Keys in QSettings; the groups keep the file readable when a person opens it.
const QString kThreads = QStringLiteral("inference/threads");
const QString kCacheItems = QStringLiteral("cache/items");
const QString kDiskCache = QStringLiteral("cache/disk");
const QString kTopK = QStringLiteral("view/topK");
const QString kTiles = QStringLiteral("view/tilesPerLayer");
const QString kColormap = QStringLiteral("view/colormap");
const QString kMethod = QStringLiteral("view/method");
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

// The CONVLENS_WEIGHTS_DIR the process started with (read during static initialisation, before anything could
// change it), so clearing the setting restores it rather than unsetting what the user exported.
const std::optional<QByteArray> kStartupWeightsDir =
    qEnvironmentVariableIsSet("CONVLENS_WEIGHTS_DIR") ? std::optional(qgetenv("CONVLENS_WEIGHTS_DIR")) : std::nullopt;

}  // namespace

AppSettings AppSettings::load()
{
    const QSettings store;
    const AppSettings defaults;
    AppSettings s;
    s.threads = readInt(store, kThreads, defaults.threads, 0, 1024);
    s.cacheItems = readInt(store, kCacheItems, defaults.cacheItems, 0, 100000);
    s.diskCache = store.value(kDiskCache, defaults.diskCache).toBool();
    s.topK = readInt(store, kTopK, defaults.topK, 1, 1000);
    s.tilesPerLayer = readInt(store, kTiles, defaults.tilesPerLayer, 0, 100000);
    const QString colormap = store.value(kColormap).toString();
    s.colormap = colormapFromName(colormap) ? colormap : defaults.colormap;
    // The method list belongs to the engine (torch side); an unknown id is replaced where the combo box is
    // filled.
    s.method = store.value(kMethod, defaults.method).toString();
    if (s.method.isEmpty())
        s.method = defaults.method;
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

void AppSettings::save() const
{
    QSettings store;
    store.setValue(kThreads, threads);
    store.setValue(kCacheItems, cacheItems);
    store.setValue(kDiskCache, diskCache);
    store.setValue(kTopK, topK);
    store.setValue(kTiles, tilesPerLayer);
    store.setValue(kColormap, colormap);
    store.setValue(kMethod, method);
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

void AppSettings::apply() const
{
    if (!weightsDir.isEmpty())
        qputenv("CONVLENS_WEIGHTS_DIR", QDir::cleanPath(weightsDir).toLocal8Bit());
    else if (kStartupWeightsDir)
        qputenv("CONVLENS_WEIGHTS_DIR", *kStartupWeightsDir);
    else
        qunsetenv("CONVLENS_WEIGHTS_DIR");
    WeightDownloader::setMirror(mirror.trimmed());
    setInferenceThreads(threads);
}

WeightsStatus resolveWeights(const ModelSpec& spec, const AppSettings& settings)
{
    const QString id = QString::fromStdString(spec.id);
    const QString file = QString::fromStdString(spec.weights.file);
    WeightsStatus status;

    const auto chosen = settings.weightsFiles.constFind(id);
    if (chosen != settings.weightsFiles.cend() && !chosen.value().isEmpty()) {
        const QFileInfo info(chosen.value());
        if (info.isFile() && info.isReadable()) {
            status.kind = WeightsStatus::Kind::UserFile;
            status.path = info.absoluteFilePath();
            return status;
        }
        // Falling back to other weights here would silently show results of a checkpoint the user did not pick.
        status.kind = WeightsStatus::Kind::Missing;
        status.message = QStringLiteral(
                             "the checkpoint chosen for %1, %2, %3. Choose another with \"Load file…\" "
                             "or forget it to use the official weights.")
                             .arg(id, chosen.value(),
                                  !info.exists() ? QStringLiteral("no longer exists")
                                  : info.isDir() ? QStringLiteral("is a folder")
                                                 : QStringLiteral("cannot be read"));
        return status;
    }

    const QString localPath = QString::fromStdString(spec.weights.path);
    if (!localPath.isEmpty()) {
        const QFileInfo info(localPath);
        if (info.isFile() && info.isReadable()) {
            status.kind = WeightsStatus::Kind::Found;
            status.path = info.absoluteFilePath();
            return status;
        }
    }
    if (auto found = WeightStore::find(file)) {
        status.kind = WeightsStatus::Kind::Found;
        status.path = *found;
        return status;
    }
    if (settings.untrainedAllowed.contains(id)) {
        status.kind = WeightsStatus::Kind::Untrained;
        return status;
    }
    status.kind = WeightsStatus::Kind::Missing;
    if (!localPath.isEmpty()) {
        status.message = QStringLiteral(
                             "weights file %1 (weights.path of %2) cannot be read. Restore it, fix the "
                             "user registry, or choose a checkpoint with \"Load file…\".")
                             .arg(localPath, id);
    } else {
        const QString url = WeightDownloader::downloadUrl(spec.weights).toString();
        status.message = QString::fromStdString(
            WeightStore::locate(file, url.isEmpty() ? QStringLiteral("(no download URL)") : url).message());
    }
    return status;
}

}  // namespace convlens
