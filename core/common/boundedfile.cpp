#include "core/common/boundedfile.h"

#include <QFile>
#include <QFileInfo>

namespace convlens {

namespace {

Error fail(const QString& name, const QString& problem)
{
    return makeError(ErrorKind::BadInput, (name + QStringLiteral(": ") + problem).toStdString());
}

QString mebibytes(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(static_cast<double>(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

}  // namespace

Expected<QByteArray> readBoundedFile(const QString& path, qint64 maxBytes, const FileKind& kind,
                                     const QString& givenName)
{
    const QString name = givenName.isEmpty() ? path : givenName;
    if (path.isEmpty())
        return fail(QStringLiteral("(no file)"), QStringLiteral("no %1 file was given").arg(kind.noun));
    // Decide from the file's type before opening it: opening a FIFO blocks, and /dev/zero never ends.
    const QFileInfo info(path);
    if (!info.exists())
        return fail(name, QStringLiteral("no such file; check the path"));
    if (info.isDir())
        return fail(name, QStringLiteral("is a folder, not %1 file").arg(kind.withArticle()));
    if (!info.isFile())
        return fail(name, QStringLiteral("is not a regular file (a device, pipe or socket); choose %1 file")
                              .arg(kind.withArticle()));
    if (info.size() > maxBytes)
        return fail(name, QStringLiteral("the file is %1, over the %2 limit for %3; use a smaller %4")
                              .arg(mebibytes(info.size()), mebibytes(maxBytes), kind.plural, kind.noun));
    if (info.size() == 0)
        return fail(name, QStringLiteral("the file is empty; choose %1 file").arg(kind.withArticle()));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(name, QStringLiteral("cannot read the file (%1); check that it is readable").arg(file.errorString()));
    // The size may change between the check and the read; never read past the limit.
    QByteArray bytes = file.read(maxBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return fail(name, QStringLiteral("cannot read the file (%1)").arg(file.errorString()));
    if (bytes.size() > maxBytes)
        return fail(name, QStringLiteral("the file grew over the %1 limit for %2 while it was read")
                              .arg(mebibytes(maxBytes), kind.plural));
    if (bytes.isEmpty())
        return fail(name, QStringLiteral("the file is empty; choose %1 file").arg(kind.withArticle()));
    return bytes;
}

}  // namespace convlens
