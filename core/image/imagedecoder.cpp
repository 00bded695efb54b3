#include "core/image/imagedecoder.h"

#include "core/image/decodemessages.h"
#include "core/image/imagefile.h"
#include "core/image/jpegdecoder.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace convlens {
namespace {

using decodemessages::dimensions;

Error fail(const QString& name, const QString& problem)
{
    return makeError(ErrorKind::BadInput, (name + QStringLiteral(": ") + problem).toStdString());
}

QString fileSize(qint64 bytes)
{
    if (bytes < 1024) {
        return QString::number(bytes) + QStringLiteral(" bytes");
    }
    if (bytes < 1024 * 1024) {
        return QString::number(static_cast<double>(bytes) / 1024.0, 'f', 1) + QStringLiteral(" KiB");
    }
    return QString::number(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 1) + QStringLiteral(" MiB");
}

QString megapixels(qint64 pixels)
{
    return QString::number(static_cast<double>(pixels) / 1e6, 'g', 6) + QStringLiteral(" MP");
}

// QImageReader's allocation limit is process-wide. The header check below is the real guard; the limit is a
// backstop for plugins that cannot tell the size before decoding. It is raised to cover the largest limits any
// caller asked for (8 bytes per pixel: 16-bit RGBA) and never lowered, so concurrent callers cannot undercut
// each other.
void raiseAllocationLimit(qint64 maxPixels)
{
    static std::mutex mutex;
    const qint64 neededMiB = std::min<qint64>(INT_MAX, maxPixels * 8 / (1024 * 1024) + 1);
    std::lock_guard lock(mutex);
    if (QImageReader::allocationLimit() != 0 && QImageReader::allocationLimit() < neededMiB) {
        QImageReader::setAllocationLimit(static_cast<int>(neededMiB));
    }
}

// Why Qt could not recognise the data: points at the missing plugin package for common formats Debian's Qt
// only reads with qt6-image-formats-plugins.
QString unknownFormatMessage(const QString& name)
{
    static const QStringList extraPluginFormats = {QStringLiteral("webp"), QStringLiteral("tif"),
                                                   QStringLiteral("tiff"), QStringLiteral("tga"),
                                                   QStringLiteral("icns"), QStringLiteral("wbmp")};
    const QString suffix = QFileInfo(name).suffix().toLower();
    const QList<QByteArray> supported = QImageReader::supportedImageFormats();
    if (extraPluginFormats.contains(suffix) && !supported.contains(suffix.toLatin1())) {
        return QStringLiteral(
                   "not an image Qt can read (unknown format; reading .%1 files needs the "
                   "qt6-image-formats-plugins package)")
            .arg(suffix);
    }
    return QStringLiteral("not an image Qt can read (unknown format)");
}

// libjpeg pads a truncated JPEG with grey and only warns, so Qt returns an image for it. A complete file has
// an EOI marker (FF D9) after its last start-of-scan (FF DA); both byte pairs can only be markers, since
// entropy-coded data stuffs every FF with 00.
bool jpegLooksTruncated(const QByteArray& bytes)
{
    const qsizetype lastScan = bytes.lastIndexOf(QByteArrayView("\xFF\xDA", 2));
    const qsizetype lastEnd = bytes.lastIndexOf(QByteArrayView("\xFF\xD9", 2));
    return lastScan >= 0 && lastEnd < lastScan;
}

QString jpegTruncated()
{
    return QStringLiteral("the JPEG data ends early (no end-of-image marker); the file is truncated");
}

// More scans than any encoder writes (progressive JPEGs have about ten; libjpeg-turbo's djpeg stops at 500): each
// scan makes libjpeg pass over the whole coefficient buffer, so thousands of empty scans cost minutes.
constexpr qsizetype kMaxJpegScans = 256;

quint32 littleEndian(const QByteArray& bytes, qsizetype at, int size)
{
    quint32 value = 0;
    for (int i = size - 1; i >= 0; --i)
        value = (value << 8) | static_cast<uchar>(bytes[at + i]);
    return value;
}

// Why the structure of `bytes` (format `format`) shows they cannot hold a whole image, or an empty string. Qt's
// BMP and GIF readers fill what is missing of a truncated file instead of failing, and libjpeg takes minutes on
// thousands of scans; these checks look at the headers only, so they cost nothing.
QString structuralProblem(const QByteArray& bytes, const QByteArray& format)
{
    const qsizetype size = bytes.size();
    if (format == "jpeg" || format == "jpg") {
        // FF DA can only be a start-of-scan marker (entropy-coded data stuffs every FF with 00); an embedded EXIF
        // thumbnail adds one, far below the limit.
        qsizetype scans = 0;
        for (qsizetype at = bytes.indexOf(QByteArrayView("\xFF\xDA", 2)); at >= 0;
             at = bytes.indexOf(QByteArrayView("\xFF\xDA", 2), at + 2)) {
            if (++scans > kMaxJpegScans)
                return QStringLiteral(
                           "the JPEG has more than %1 scans (a real photo has a few dozen at most); the "
                           "file is corrupt or made to stall the decoder")
                    .arg(kMaxJpegScans);
        }
        return {};
    }
    if (format == "bmp" && size >= 30) {
        const quint32 headerSize = littleEndian(bytes, 14, 4);
        const quint32 pixelOffset = littleEndian(bytes, 10, 4);
        qint64 width = 0, height = 0, bitsPerPixel = 0, compression = 0;
        if (headerSize == 12) {  // OS/2 core header
            width = littleEndian(bytes, 18, 2);
            height = littleEndian(bytes, 20, 2);
            bitsPerPixel = littleEndian(bytes, 24, 2);
        } else if (headerSize >= 40 && size >= 34) {
            width = static_cast<qint32>(littleEndian(bytes, 18, 4));
            height = static_cast<qint32>(littleEndian(bytes, 22, 4));
            bitsPerPixel = littleEndian(bytes, 28, 2);
            compression = littleEndian(bytes, 30, 4);
        } else {
            return {};
        }
        // Run-length and embedded JPEG/PNG data have no fixed size; uncompressed rows (and bit fields) have.
        if (compression != 0 && compression != 3 && compression != 6)
            return {};
        const qint64 rowBytes = (std::abs(width) * bitsPerPixel + 31) / 32 * 4;  // ≤ 2^31 × 2^16 bits: fits
        // 2^31 rows of that overflow a qint64 (fuzz_image found it): such a header cannot match the file either.
        qint64 dataBytes = 0;
        const bool huge = __builtin_mul_overflow(rowBytes, std::abs(height), &dataBytes);
        if (huge || dataBytes > size - qint64(pixelOffset))
            return QStringLiteral(
                       "the BMP data ends early: its header declares %1 pixels, %2 bytes from byte %3, "
                       "but the file has %4 bytes; the file is truncated or corrupt")
                .arg(dimensions(std::abs(width), std::abs(height)))
                .arg(huge ? QStringLiteral("over 2^63") : QString::number(dataBytes))
                .arg(pixelOffset)
                .arg(size);
        return {};
    }
    if (format == "gif" && size >= 13) {
        // Walk the blocks up to the end of the first image's data (the frame that is shown).
        const QString truncated = QStringLiteral(
            "the GIF data ends before its first image is complete; the file is "
            "truncated");
        auto skipSubBlocks = [&](qsizetype at) -> qsizetype {
            while (at < size) {
                const int length = static_cast<uchar>(bytes[at]);
                ++at;
                if (length == 0)
                    return at;
                at += length;
            }
            return -1;
        };
        const int screenFlags = static_cast<uchar>(bytes[10]);
        qsizetype at = 13 + ((screenFlags & 0x80) ? 3 * (qsizetype(2) << (screenFlags & 7)) : 0);
        while (at < size) {
            const int block = static_cast<uchar>(bytes[at]);
            if (block == 0x21) {  // extension: label, then sub-blocks
                at = at + 2 > size ? -1 : skipSubBlocks(at + 2);
            } else if (block == 0x2C) {  // image descriptor, local colour table, LZW code size, data sub-blocks
                if (at + 10 > size)
                    return truncated;
                const int flags = static_cast<uchar>(bytes[at + 9]);
                at += 10 + ((flags & 0x80) ? 3 * (qsizetype(2) << (flags & 7)) : 0) + 1;
                return at > size || skipSubBlocks(at) < 0 ? truncated : QString();
            } else {
                return {};  // the trailer, or something Qt will judge
            }
            if (at < 0)
                return truncated;
        }
        return truncated;
    }
    if ((format == "ico" || format == "cur") && size >= 6) {
        const qint64 count = littleEndian(bytes, 4, 2);
        if (6 + 16 * count > size)
            return QStringLiteral(
                       "the icon directory lists %1 images, more than the %2-byte file holds; the file is "
                       "truncated or corrupt")
                .arg(count)
                .arg(size);
        for (qint64 i = 0; i < count; ++i) {
            const qint64 entry = 6 + 16 * i;
            if (qint64(littleEndian(bytes, entry + 12, 4)) + littleEndian(bytes, entry + 8, 4) > size)
                return QStringLiteral(
                           "icon image %1 lies past the end of the %2-byte file; the file is truncated "
                           "or corrupt")
                    .arg(i + 1)
                    .arg(size);
        }
    }
    return {};
}

void copyRgbFromRgba8888(const QImage& rgba, QImage& out)
{
    for (int y = 0; y < rgba.height(); ++y) {
        const uchar* in = rgba.constScanLine(y);
        uchar* o = out.scanLine(y);
        for (int x = 0; x < rgba.width(); ++x) {
            o[3 * x + 0] = in[4 * x + 0];
            o[3 * x + 1] = in[4 * x + 1];
            o[3 * x + 2] = in[4 * x + 2];
        }
    }
}

}  // namespace

QImage toRgb888LikePil(const QImage& image)
{
    if (image.isNull()) {
        return {};
    }
    switch (image.format()) {
        case QImage::Format_RGB888:
            return image;
        case QImage::Format_Grayscale16: {
            // PIL 9.4 would clip 16-bit grayscale to 0..255 (nearly white); keep the high byte as for RGB.
            QImage out(image.size(), QImage::Format_RGB888);
            if (out.isNull()) {
                return {};
            }
            for (int y = 0; y < image.height(); ++y) {
                const auto* in = reinterpret_cast<const quint16*>(image.constScanLine(y));
                uchar* o = out.scanLine(y);
                for (int x = 0; x < image.width(); ++x) {
                    const uchar v = static_cast<uchar>(in[x] >> 8);
                    o[3 * x + 0] = v;
                    o[3 * x + 1] = v;
                    o[3 * x + 2] = v;
                }
            }
            return out;
        }
        case QImage::Format_RGBX64:
        case QImage::Format_RGBA64:
        case QImage::Format_RGBA64_Premultiplied: {
            // PIL unpacks 16-bit PNG samples ("RGB;16B") by keeping the high byte; Qt's own conversion rounds.
            const QImage straight = image.format() == QImage::Format_RGBA64_Premultiplied
                                        ? image.convertToFormat(QImage::Format_RGBA64)
                                        : image;
            QImage out(image.size(), QImage::Format_RGB888);
            if (out.isNull() || straight.isNull()) {
                return {};
            }
            for (int y = 0; y < straight.height(); ++y) {
                const auto* in = reinterpret_cast<const quint16*>(straight.constScanLine(y));
                uchar* o = out.scanLine(y);
                for (int x = 0; x < straight.width(); ++x) {
                    o[3 * x + 0] = static_cast<uchar>(in[4 * x + 0] >> 8);
                    o[3 * x + 1] = static_cast<uchar>(in[4 * x + 1] >> 8);
                    o[3 * x + 2] = static_cast<uchar>(in[4 * x + 2] >> 8);
                }
            }
            return out;
        }
        default:
            break;
    }
    if (image.hasAlphaChannel()) {
        // Straight (non-premultiplied) RGBA keeps each pixel's stored colour; dropping alpha then matches PIL.
        const QImage rgba = image.convertToFormat(QImage::Format_RGBA8888);
        QImage out(image.size(), QImage::Format_RGB888);
        if (out.isNull() || rgba.isNull()) {
            return {};
        }
        copyRgbFromRgba8888(rgba, out);
        return out;
    }
    return image.convertToFormat(QImage::Format_RGB888);
}

namespace {

// Whether `bytes` start with the signature of `format`, for the formats that have one; true for the others.
bool hasSignatureOf(const QByteArray& bytes, const QByteArray& format)
{
    if (format == "png")
        return bytes.startsWith("\x89PNG\r\n\x1a\n");
    if (format == "jpeg" || format == "jpg")
        return bytes.startsWith("\xff\xd8\xff");
    if (format == "gif")
        return bytes.startsWith("GIF87a") || bytes.startsWith("GIF89a");
    if (format == "bmp")
        return bytes.startsWith("BM");
    if (format == "webp")
        return bytes.startsWith("RIFF") && bytes.mid(8, 4) == "WEBP";
    if (format == "tiff" || format == "tif")
        return bytes.startsWith(QByteArray("II*\0", 4)) || bytes.startsWith(QByteArray("MM\0*", 4));
    if (format == "ico" || format == "cur")  // reserved 0, type 1 (icon) or 2 (cursor), at least one image
        return (bytes.startsWith(QByteArray("\0\0\1\0", 4)) || bytes.startsWith(QByteArray("\0\0\2\0", 4))) &&
               bytes.size() >= 6 && (bytes[4] != 0 || bytes[5] != 0);
    return true;
}

// Decodes `bytes` as `format` (at `scaled` size when valid) on a thread of its own, waiting at most `budgetMs`.
// A decoder still busy then is left to finish alone (it owns copies of everything it uses; its result is
// dropped): Qt's decoders cannot be interrupted, and the caller must get an answer. A decoder done in time has its
// thread joined before the answer is returned, so nothing of it outlives the call: its reader and buffer are
// destroyed before it says it is done, and Qt's per-thread data (a QObject on a thread Qt did not start gets one)
// at the thread's exit. The error is the problem only (the caller names the file).
Expected<QImage> decodeWithin(const QByteArray& bytes, const QByteArray& format, QSize scaled, int budgetMs)
{
    struct Decode {
        QByteArray bytes;
        QByteArray format;
        QSize scaled;
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        QImage image;
        QString error;
    };
    auto job = std::make_shared<Decode>();
    job->bytes = bytes;  // implicitly shared: no copy of the data
    job->format = format;
    job->scaled = scaled;
    auto work = [job] {
        QImage image;
        QString error;
        {
            QBuffer buffer(&job->bytes);
            buffer.open(QIODevice::ReadOnly);
            QImageReader reader(&buffer, job->format);
            reader.setDecideFormatFromContent(false);
            reader.setAutoTransform(true);  // EXIF orientation
            if (job->scaled.isValid())
                reader.setScaledSize(job->scaled);
            try {
                // A failed read may still leave a partial image (Qt's PNG reader does): it is no result.
                if (!reader.read(&image) || image.isNull()) {
                    error = reader.errorString();
                    image = QImage();
                }
            } catch (const std::bad_alloc&) {
                image = QImage();
                error = QStringLiteral("out of memory");
            }
        }
        const std::lock_guard<std::mutex> lock(job->mutex);
        job->image = std::move(image);
        job->error = error.isEmpty() && job->image.isNull() ? QStringLiteral("no image") : error;
        job->done = true;
        job->finished.notify_all();
    };
    std::thread thread;
    try {
        thread = std::thread(work);
    } catch (const std::system_error&) {
        work();  // no thread to be had: decode here, without the budget
    }
    bool inTime = false;
    {
        std::unique_lock<std::mutex> lock(job->mutex);
        inTime = job->finished.wait_for(lock, std::chrono::milliseconds(std::max(0, budgetMs)),
                                        [&] { return job->done; });
    }
    if (thread.joinable()) {
        if (inTime)
            thread.join();  // it has said it is done: only its exit is left
        else
            thread.detach();
    }
    if (!inTime)
        return makeError(ErrorKind::BadInput, decodemessages::tooSlow(format, budgetMs).toStdString());
    if (job->image.isNull())
        return makeError(ErrorKind::BadInput, decodemessages::undecodable(format, job->error).toStdString());
    return std::move(job->image);
}

}  // namespace

Expected<QImage> decodeImageData(const QByteArray& bytes, const QString& name, const DecodeLimits& limits)
{
    if (bytes.isEmpty()) {
        return fail(name, QStringLiteral("the file is empty"));
    }
    if (bytes.size() > limits.maxFileBytes) {
        return fail(name, QStringLiteral("the file is %1, over the %2 limit")
                              .arg(fileSize(bytes.size()), fileSize(limits.maxFileBytes)));
    }
    // Most photos are JPEGs that libjpeg can decode straight into RGB888 (jpegdecoder.h); the rest go through Qt.
    if (hasSignatureOf(bytes, "jpeg")) {
        if (const QString problem = structuralProblem(bytes, "jpeg"); !problem.isEmpty())
            return fail(name, problem);
        if (std::optional<Expected<QImage>> direct = decodeJpeg(bytes, limits)) {
            if (!*direct)
                return fail(name, QString::fromStdString(direct->message()));
            if (jpegLooksTruncated(bytes))
                return fail(name, jpegTruncated());
            return std::move(*direct);
        }
    }

    raiseAllocationLimit(limits.maxPixels);

    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);  // EXIF orientation
    reader.setDecideFormatFromContent(true);
    if (!reader.canRead()) {
        return fail(name, unknownFormatMessage(name));
    }
    // Some plugins claim files that are not theirs (the ICO reader takes a TGA, which has no signature, for one
    // of its own): when the content lacks the claimed format's signature and the name's suffix names another
    // format Qt reads, the suffix decides.
    const QByteArray suffix = QFileInfo(name).suffix().toLower().toLatin1();
    if (!hasSignatureOf(bytes, reader.format()) && !suffix.isEmpty() && suffix != reader.format() &&
        QImageReader::supportedImageFormats().contains(suffix)) {
        buffer.seek(0);
        reader.setDevice(&buffer);
        reader.setFormat(suffix);
        reader.setDecideFormatFromContent(false);
    }
    const QByteArray format = reader.format();

    // Decompression-bomb guard: refuse by the declared size, before the decoder allocates anything; a large image
    // whose decoder scales while decoding is decoded scaled instead.
    const QSize declared = reader.size();
    QSize scaled;
    if (declared.isValid()) {
        const qint64 pixels = qint64(declared.width()) * declared.height();
        const bool scalable = reader.supportsOption(QImageIOHandler::ScaledSize) && format == "jpeg";
        if (pixels > limits.maxPixels && scalable && pixels <= limits.maxScaledPixels) {
            const double factor = std::sqrt(static_cast<double>(limits.maxPixels) / static_cast<double>(pixels));
            scaled = QSize(std::max(1, static_cast<int>(declared.width() * factor)),
                           std::max(1, static_cast<int>(declared.height() * factor)));
        } else if (pixels > limits.maxPixels) {
            return fail(name, QStringLiteral("%1 pixels exceeds the %2 limit%3")
                                  .arg(dimensions(declared.width(), declared.height()), megapixels(limits.maxPixels),
                                       scalable ? QStringLiteral(" (%1 when decoded scaled)")
                                                      .arg(megapixels(limits.maxScaledPixels))
                                                : QString()));
        }
    }

    if (const QString problem = structuralProblem(bytes, format); !problem.isEmpty()) {
        return fail(name, problem);
    }

    Expected<QImage> decoded = decodeWithin(bytes, format, scaled, limits.decodeMilliseconds);
    if (!decoded)
        return fail(name, QString::fromStdString(decoded.message()));
    QImage image = std::move(decoded).value();
    if (qint64(image.width()) * image.height() > limits.maxPixels) {
        return fail(name, QStringLiteral("%1 pixels exceeds the %2 limit")
                              .arg(dimensions(image.width(), image.height()), megapixels(limits.maxPixels)));
    }
    if (format == "jpeg" && jpegLooksTruncated(bytes)) {
        return fail(name, jpegTruncated());
    }
    QImage rgb = toRgb888LikePil(image);
    if (rgb.isNull()) {  // QImage reports a failed allocation as a null image
        return fail(name, QStringLiteral("not enough memory to convert the %1 pixels of the image")
                              .arg(dimensions(image.width(), image.height())));
    }
    return rgb;
}

Expected<QImage> decodeImageFile(const QString& path, const DecodeLimits& limits)
{
    const QFileInfo info(path);
    const QString name = info.fileName().isEmpty() ? path : info.fileName();
    Expected<QByteArray> bytes = readImageFile(path, limits, name);
    if (!bytes) {
        return bytes.error();
    }
    return decodeImageData(*bytes, name, limits);
}

}  // namespace convlens
