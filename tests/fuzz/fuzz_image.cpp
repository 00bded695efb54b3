// Fuzz target: the safe image decoder (core/image/imagedecoder.h) on encoded bytes held in memory, through every
// image plugin Qt has (PNG, JPEG, GIF, BMP, ICO, PPM, XBM/XPM, and with qt6-image-formats-plugins WebP, TIFF, TGA,
// ...). The last input byte picks the file name's suffix, which steers the decoder when a plugin claims data
// without its format's signature.
//
// Contract checked: a Format_RGB888 image within the pixel limit, or an Error; no crash, leak or bad access.

#include "core/image/imagedecoder.h"

#include <QByteArray>
#include <QImage>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const char* const kNames[] = {"fuzz.png", "fuzz.jpg", "fuzz.gif", "fuzz.bmp",  "fuzz.webp",
                                         "fuzz.tif", "fuzz.ico", "fuzz.tga", "fuzz.ppm",  "fuzz.xpm",
                                         "fuzz.cur", "fuzz.pgm", "fuzz.xbm", "fuzz.icns", "fuzz"};
    constexpr size_t kNameCount = sizeof kNames / sizeof kNames[0];
    const char* name = kNames[size ? data[size - 1] % kNameCount : 0];
    // Small limits keep each input fast; the checks are the same as with the defaults.
    convlens::DecodeLimits limits;
    limits.maxFileBytes = 1 << 20;
    limits.maxPixels = 4'000'000;
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    auto image = convlens::decodeImageData(bytes, QString::fromLatin1(name), limits);
    if (image) {
        const QImage& decoded = *image;
        if (decoded.isNull() || decoded.format() != QImage::Format_RGB888 ||
            qint64(decoded.width()) * decoded.height() > limits.maxPixels) {
            std::fprintf(stderr, "fuzz_image: decoder returned a %dx%d image of format %d\n", decoded.width(),
                         decoded.height(), int(decoded.format()));
            std::abort();
        }
    }
    return 0;
}
