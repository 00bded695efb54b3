#pragma once
// Safe image decoding: any file Qt's image plugins can read, guarded against oversized files and decompression
// bombs, turned upright by its EXIF orientation and converted to 8-bit RGB the way PIL's convert("RGB") does
// (alpha dropped, not composited; grayscale replicated; palettes looked up; 16-bit samples keep their high byte).
//
// Plain C++/Qt (no torch), so UI code may include it. Any thread may call; the functions share no state.
// Failures come back as Expected errors whose message starts with the file name and says what was wrong, e.g.
// "chelsea.webp: not an image Qt can read (unknown format)".
//
// Formats: Debian's Qt 6 ships PNG, JPEG, GIF, BMP, PPM/PGM/PBM, XBM/XPM (built in or libqjpeg/libqgif) and ICO;
// WebP, TIFF and others need the qt6-image-formats-plugins package, which the error message then names.

#include <QByteArray>
#include <QImage>
#include <QString>

#include "core/common/expected.h"

namespace convlens {

struct DecodeLimits {
    qint64 maxFileBytes = 256LL * 1024 * 1024;  // larger files are refused before reading them
    qint64 maxPixels = 100'000'000;             // width × height decoded at full size, checked before decoding
    // Larger images, up to this many pixels declared, are decoded scaled down to maxPixels (aspect kept) where the
    // format's decoder scales while it decodes (JPEG: in its inverse DCT, without the full-size image in memory);
    // other formats are refused above maxPixels. The analysis of a scaled image then differs from torchvision's on
    // the full image by that resampling (well below what a 224-pixel input can show).
    qint64 maxScaledPixels = 1'000'000'000;
    // A decoder still busy after this long is abandoned (it finishes on its own thread, its result dropped) and the
    // file refused: Qt's decoders cannot be interrupted, and a file crafted to stall one must not stall the caller.
    int decodeMilliseconds = 20'000;
};

// Reads and decodes the file at `path`. Messages name the file by its file name (without the folder).
// Returns a QImage of Format_RGB888 (never null on success).
Expected<QImage> decodeImageFile(const QString& path, const DecodeLimits& limits = {});

// Decodes an encoded image held in memory; `nameForMessages` starts every error message.
// Returns a QImage of Format_RGB888 (never null on success).
Expected<QImage> decodeImageData(const QByteArray& bytes, const QString& nameForMessages,
                                 const DecodeLimits& limits = {});

// Converts any valid QImage to Format_RGB888 with PIL's convert("RGB") semantics (see above).
// A null image gives a null image.
QImage toRgb888LikePil(const QImage& image);

}  // namespace convlens
