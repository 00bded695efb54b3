#include "core/image/imagefile.h"

#include "core/common/boundedfile.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>

namespace convlens {

Expected<QByteArray> readImageFile(const QString& path, const DecodeLimits& limits, const QString& givenName)
{
    return readBoundedFile(path, limits.maxFileBytes, FileKind{QStringLiteral("an"), QStringLiteral("image"), QStringLiteral("images")},
                           givenName);
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
