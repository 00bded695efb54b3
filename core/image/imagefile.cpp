#include "core/image/imagefile.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>

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

Expected<QByteArray> readImageFile(const QString& path, const DecodeLimits& limits, const QString& givenName)
{
    const QString name = givenName.isEmpty() ? path : givenName;
    if (path.isEmpty())
        return fail(QStringLiteral("(no file)"), QStringLiteral("no image file was given"));
    // Decide from the file's type before opening it: opening a FIFO blocks, and /dev/zero never ends.
    const QFileInfo info(path);
    if (!info.exists())
        return fail(name, QStringLiteral("no such file; check the path"));
    if (info.isDir())
        return fail(name, QStringLiteral("is a folder, not an image file"));
    if (!info.isFile())
        return fail(name, QStringLiteral("is not a regular file (a device, pipe or socket); choose an image file"));
    if (info.size() > limits.maxFileBytes)
        return fail(name, QStringLiteral("the file is %1, over the %2 limit for images; use a smaller image")
                              .arg(mebibytes(info.size()), mebibytes(limits.maxFileBytes)));
    if (info.size() == 0)
        return fail(name, QStringLiteral("the file is empty; choose an image file"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(name, QStringLiteral("cannot read the file (%1); check that it is readable").arg(file.errorString()));
    // The size may change between the check and the read; never read past the limit.
    QByteArray bytes = file.read(limits.maxFileBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return fail(name, QStringLiteral("cannot read the file (%1)").arg(file.errorString()));
    if (bytes.size() > limits.maxFileBytes)
        return fail(name, QStringLiteral("the file grew over the %1 limit for images while it was read")
                              .arg(mebibytes(limits.maxFileBytes)));
    if (bytes.isEmpty())
        return fail(name, QStringLiteral("the file is empty; choose an image file"));
    return bytes;
}

QImage readThumbnail(const QString& path, const QSize& size, const DecodeLimits& limits)
{
    Expected<QByteArray> bytes = readImageFile(path, limits);
    if (!bytes)
        return {};
    QBuffer buffer(&bytes.value());
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    const QSize full = reader.size();
    if (!full.isValid() || static_cast<qint64>(full.width()) * full.height() > limits.maxPixels)
        return {};
    // QImageReader scales while decoding (JPEG's DCT scaling), so a big photo costs little here.
    reader.setScaledSize(full.scaled(size, Qt::KeepAspectRatio));
    return reader.read();
}

}  // namespace convlens
