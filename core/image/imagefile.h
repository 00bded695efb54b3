#pragma once
// readImageFile: the one way ConvLens reads an image file a user named. The path may stand for anything: a FIFO,
// /dev/zero, a folder, a sparse multi-GB file. Only a regular file within the size limit is opened, and no more
// than the limit is ever read, whatever the file claims.
//
// Torch-free; any thread. Errors (kind BadInput) start with the name given and say what was wrong and what to do.

#include "core/common/expected.h"
#include "core/image/imagedecoder.h"

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

namespace convlens {

// The encoded bytes of the image file at `path`. `name` starts error messages (empty: the path as given).
Expected<QByteArray> readImageFile(const QString& path, const DecodeLimits& limits = {}, const QString& name = {});

// A small upright preview (at most `size`, aspect kept) of the image file at `path`, decoded at reduced size
// where the format allows it; a null image when the file cannot be read or decoded (thumbnails never fail loudly:
// the analysis reports the problem).
QImage readThumbnail(const QString& path, const QSize& size, const DecodeLimits& limits = {});

}  // namespace convlens
