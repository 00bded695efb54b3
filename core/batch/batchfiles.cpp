#include "core/batch/batchfiles.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QImageReader>
#include <QSet>

#include <algorithm>

namespace convlens {

namespace {

// "photo.jpg" taken twice becomes "photo (2).jpg": the batch name is the key of records and reports.
QString uniqueName(const QString& name, QSet<QString>& taken)
{
    if (!taken.contains(name)) {
        taken.insert(name);
        return name;
    }
    const int slash = name.lastIndexOf(QLatin1Char('/'));
    const int dot = name.lastIndexOf(QLatin1Char('.'));
    const bool hasSuffix = dot > slash + 1;
    const QString stem = hasSuffix ? name.left(dot) : name;
    const QString suffix = hasSuffix ? name.mid(dot) : QString();
    for (int n = 2;; ++n) {
        const QString candidate = QStringLiteral("%1 (%2)%3").arg(stem).arg(n).arg(suffix);
        if (!taken.contains(candidate)) {
            taken.insert(candidate);
            return candidate;
        }
    }
}

}  // namespace

QStringList readableImageSuffixes()
{
    static const QStringList suffixes = [] {
        QStringList list;
        for (const QByteArray& format : QImageReader::supportedImageFormats())
            list << QString::fromLatin1(format).toLower();
        return list;
    }();
    return suffixes;
}

BatchListing listBatchFiles(const QStringList& paths, const ListOptions& options)
{
    BatchListing listing;
    const QStringList suffixes = options.suffixes.isEmpty() ? readableImageSuffixes() : options.suffixes;
    std::vector<BatchFile> found;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            const QDir root(info.absoluteFilePath());
            const QString rootName = root.dirName().isEmpty() ? QStringLiteral("root") : root.dirName();
            // Subdirectories with FollowSymlinks: QDirIterator keeps a set of visited canonical paths, so a link
            // back to an ancestor is not followed into a loop.
            QDirIterator it(root.absolutePath(), QDir::Files | QDir::System | QDir::NoDotAndDotDot,
                            options.recursive ? QDirIterator::Subdirectories | QDirIterator::FollowSymlinks
                                              : QDirIterator::NoIteratorFlags);
            const std::size_t before = found.size();
            while (it.hasNext()) {
                const QString file = it.next();
                const QFileInfo entry = it.fileInfo();
                const QString relative = root.relativeFilePath(file);
                if (relative.startsWith(QLatin1Char('.')) || relative.contains(QStringLiteral("/.")))
                    continue;  // hidden files and folders
                if (!suffixes.contains(entry.suffix().toLower()))
                    continue;
                found.push_back({entry.absoluteFilePath(), rootName + QLatin1Char('/') + relative});
            }
            if (found.size() == before)
                listing.problems << QStringLiteral("%1: the folder holds no image files%2")
                                        .arg(QDir::toNativeSeparators(path),
                                             options.recursive ? QString() : QStringLiteral(" (sub-folders not included)"));
        } else if (info.exists() || info.isSymLink()) {
            found.push_back({info.absoluteFilePath(), info.fileName()});
        } else {
            listing.problems << QStringLiteral("%1: no such file or folder").arg(QDir::toNativeSeparators(path));
        }
    }
    // The same file named twice (a folder and a file in it) is processed once.
    std::sort(found.begin(), found.end(), [](const BatchFile& a, const BatchFile& b) {
        return a.relative.toUtf8() < b.relative.toUtf8();
    });
    QSet<QString> seenPaths;
    QSet<QString> names;
    for (BatchFile& file : found) {
        if (seenPaths.contains(file.path))
            continue;
        seenPaths.insert(file.path);
        file.relative = uniqueName(file.relative, names);
        listing.files.push_back(std::move(file));
    }
    std::sort(listing.files.begin(), listing.files.end(), [](const BatchFile& a, const BatchFile& b) {
        return a.relative.toUtf8() < b.relative.toUtf8();
    });
    return listing;
}

Expected<Shard> parseShard(const QString& text)
{
    const QStringList parts = text.split(QLatin1Char('/'));
    bool indexOk = false;
    bool countOk = false;
    const int index = parts.size() == 2 ? parts[0].trimmed().toInt(&indexOk) : 0;
    const int count = parts.size() == 2 ? parts[1].trimmed().toInt(&countOk) : 0;
    if (!indexOk || !countOk)
        return makeError(ErrorKind::BadInput, "--shard " + text.toStdString() +
                                                  ": expected I/N, the share I (from 0) of N, e.g. 0/4");
    if (count < 1 || index < 0 || index >= count)
        return makeError(ErrorKind::BadInput, "--shard " + text.toStdString() +
                                                  ": I must be at least 0 and less than N (N at least 1)");
    return Shard{index, count};
}

int shardOf(const QString& relative, int count)
{
    if (count <= 1)
        return 0;
    const QByteArray digest = QCryptographicHash::hash(relative.toUtf8(), QCryptographicHash::Sha256);
    quint64 value = 0;
    for (int i = 0; i < 8; ++i)
        value = (value << 8) | quint8(digest[i]);
    return int(value % quint64(count));
}

std::vector<BatchFile> filesOfShard(const std::vector<BatchFile>& files, const Shard& shard)
{
    if (shard.isWhole())
        return files;
    std::vector<BatchFile> share;
    for (const BatchFile& file : files)
        if (shardOf(file.relative, shard.count) == shard.index)
            share.push_back(file);
    return share;
}

}  // namespace convlens
