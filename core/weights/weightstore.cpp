#include "core/weights/weightstore.h"

#include <QDir>
#include <QFileInfo>

namespace convlens {

namespace {

QString env(const char* name)
{
    return qEnvironmentVariable(name);
}

}  // namespace

QStringList WeightStore::searchDirs(const QString& settingsDir)
{
    QStringList dirs;
    auto add = [&dirs](const QString& dir) {
        if (dir.isEmpty()) {
            return;
        }
        const QString clean = QDir::cleanPath(dir);
        if (!dirs.contains(clean)) {
            dirs.push_back(clean);
        }
    };
    add(env("CONVLENS_WEIGHTS_DIR"));

    QString cache = env("XDG_CACHE_HOME");
    if (cache.isEmpty()) {
        cache = QDir::homePath() + QStringLiteral("/.cache");
    }
    const QString defaultTorchHome = cache + QStringLiteral("/torch");
    const QString torchHome = env("TORCH_HOME");
    add((torchHome.isEmpty() ? defaultTorchHome : torchHome) + QStringLiteral("/hub/checkpoints"));
    add(defaultTorchHome + QStringLiteral("/hub/checkpoints"));
    add(settingsDir);
    return dirs;
}

std::optional<QString> WeightStore::find(const QString& fileName, const QString& settingsDir)
{
    if (fileName.isEmpty() || fileName.contains(QLatin1Char('/'))) {
        return std::nullopt;
    }
    for (const QString& dir : searchDirs(settingsDir)) {
        const QFileInfo info(QDir(dir).filePath(fileName));
        if (info.isFile() && info.isReadable()) {
            return info.absoluteFilePath();
        }
    }
    return std::nullopt;
}

Expected<QString> WeightStore::locate(const QString& fileName, const QString& url, const QString& settingsDir)
{
    if (auto path = find(fileName, settingsDir)) {
        return *path;
    }
    const QStringList dirs = searchDirs(settingsDir);
    const QString message =
        QStringLiteral(
            "weights file %1 not found; looked in: %2. Download it from %3 into one of these folders "
            "(or set CONVLENS_WEIGHTS_DIR to the folder that holds it).")
            .arg(fileName, dirs.join(QStringLiteral(", ")), url);
    return makeError(ErrorKind::Weights, message.toStdString());
}

}  // namespace convlens
