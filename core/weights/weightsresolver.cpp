#include "core/weights/weightsresolver.h"

#include "core/weights/weightdownloader.h"
#include "core/weights/weightstore.h"

#include <QFileInfo>

namespace convlens {

WeightsStatus resolveWeights(const ModelSpec& spec, const WeightsChoice& choice)
{
    const QString id = QString::fromStdString(spec.id);
    WeightsStatus status;

    if (!choice.explicitFile.isEmpty()) {
        const QFileInfo info(choice.explicitFile);
        if (info.isFile() && info.isReadable()) {
            status.kind = WeightsStatus::Kind::UserFile;
            status.path = info.absoluteFilePath();
            return status;
        }
        // Falling back to other weights here would silently show results of a checkpoint the user did not pick.
        status.message = QStringLiteral(
                             "the checkpoint chosen for %1, %2, %3. Choose another file, or forget the choice to "
                             "use the official weights.")
                             .arg(id, choice.explicitFile,
                                  !info.exists() ? QStringLiteral("no longer exists")
                                  : info.isDir() ? QStringLiteral("is a folder")
                                  : !info.isFile() ? QStringLiteral("is not a regular file")
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
    // A user registry's weights.path that went missing: the same file name may still be in a search folder.
    if (auto found = WeightStore::find(QString::fromStdString(spec.weights.file), choice.settingsDir)) {
        status.kind = WeightsStatus::Kind::Found;
        status.path = *found;
        return status;
    }

    if (choice.allowUntrained) {
        status.kind = WeightsStatus::Kind::Untrained;
        return status;
    }
    if (!localPath.isEmpty()) {
        status.message = QStringLiteral(
                             "weights file %1 (weights.path of %2 in the user registry) cannot be read. Restore "
                             "it, fix the user registry, or choose another checkpoint.")
                             .arg(localPath, id);
    } else {
        const QString url = WeightDownloader::downloadUrl(spec.weights).toString();
        status.message = QString::fromStdString(
            WeightStore::locate(QString::fromStdString(spec.weights.file),
                                url.isEmpty() ? QStringLiteral("(no download URL)") : url, choice.settingsDir)
                .message());
    }
    return status;
}

}  // namespace convlens
