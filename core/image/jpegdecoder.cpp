#include "core/image/jpegdecoder.h"

#include "core/image/decodemessages.h"

#include <QString>

#include <algorithm>
#include <chrono>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstring>
#include <memory>

extern "C" {
#include <jpeglib.h>
}

namespace convlens {
namespace {

using Clock = std::chrono::steady_clock;

struct ErrorManager {
    jpeg_error_mgr pub;  // first: libjpeg sees a jpeg_error_mgr*
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    bool late;  // the progress monitor stopped the decoder: over the time budget
};

struct ProgressMonitor {
    jpeg_progress_mgr pub;  // first: libjpeg sees a jpeg_progress_mgr*
    Clock::time_point deadline;
};

extern "C" void errorExit(j_common_ptr info)
{
    auto* error = reinterpret_cast<ErrorManager*>(info->err);
    if (!error->late)
        (*info->err->format_message)(info, error->message);
    std::longjmp(error->jump, 1);
}

// Warnings (corrupt data libjpeg works around, a missing end marker) go nowhere: the caller judges the file by its
// own checks, as with Qt's reader, which only logs them.
extern "C" void outputMessage(j_common_ptr) {}

// libjpeg calls this between rows and between the passes of a multi-scan file: the one place a decode of a file
// crafted to be slow can be stopped without a thread to abandon.
extern "C" void checkTheClock(j_common_ptr info)
{
    auto* progress = reinterpret_cast<ProgressMonitor*>(info->progress);
    if (Clock::now() > progress->deadline) {
        reinterpret_cast<ErrorManager*>(info->err)->late = true;
        (*info->err->error_exit)(info);
    }
}

// One decode's state, on the heap: the code between setjmp and a longjmp creates no object that needs a destructor,
// and what it fills survives the jump here.
struct Decode {
    jpeg_decompress_struct info;
    ErrorManager error;
    ProgressMonitor progress;
    QByteArray exif;  // every APP1 segment, concatenated (as Qt's reader collects them)
    QImage image;
    bool created = false;

    ~Decode()
    {
        if (created)
            jpeg_destroy_decompress(&info);
    }
};

enum class Outcome { Decoded, LeaveToQt, Failed, NoMemory };

// A byte reader over the EXIF block with QDataStream's rules, so that odd files get Qt's answer: a read past the
// end gives 0 and marks the stream failed.
class ExifStream {
public:
    explicit ExifStream(const QByteArray& bytes)
        : mData(reinterpret_cast<const uchar*>(bytes.constData())), mSize(bytes.size())
    {
    }

    quint16 read16() { return static_cast<quint16>(read(2)); }
    quint32 read32() { return read(4); }
    bool ok() const { return mOk; }
    qint64 pos() const { return mPos; }
    void seek(qint64 pos) { mPos = pos; }
    void setBigEndian(bool big) { mBig = big; }

private:
    quint32 read(int bytes)
    {
        if (mSize - mPos < bytes) {
            mPos = mSize;
            mOk = false;
            return 0;
        }
        quint32 value = 0;
        for (int i = 0; i < bytes; ++i) {
            const quint32 byte = mData[mPos + (mBig ? i : bytes - 1 - i)];
            value = (value << 8) | byte;
        }
        mPos += bytes;
        return value;
    }

    const uchar* mData;
    qint64 mSize;
    qint64 mPos = 0;
    bool mOk = true;
    bool mBig = true;
};

// The orientation tag of IFD0 (or a later IFD), 1–8; 0 when there is none, -1 when the block is not valid EXIF.
int exifOrientation(const QByteArray& exif)
{
    constexpr qint64 headerStart = 6;  // "Exif\0\0"
    constexpr int maxIfdCount = 10;
    if (exif.size() < headerStart || std::memcmp(exif.constData(), "Exif\0\0", 6) != 0)
        return -1;
    ExifStream stream(exif);
    stream.seek(headerStart);
    const quint16 order = stream.read16();
    if (order == 0x4949)
        stream.setBigEndian(false);
    else if (order != 0x4d4d)
        return -1;
    if (stream.read16() != 0x2a)
        return -1;
    quint32 offset = stream.read32();
    for (int n = 0; n < maxIfdCount; ++n) {
        // Forward only, inside the block.
        const qint64 skip = qint64(offset) - (stream.pos() - headerStart);
        if (skip < 0 || qint64(offset) + headerStart >= exif.size())
            return -1;
        stream.seek(qint64(offset) + headerStart);
        for (quint16 entries = stream.read16(); entries > 0 && stream.ok(); --entries) {
            const quint16 tag = stream.read16();
            const quint16 type = stream.read16();
            const quint32 count = stream.read32();
            const quint16 value = stream.read16();
            stream.read16();
            if (tag == 0x0112) {
                if (count != 1 || type != 3 || value < 1 || value > 8)  // one SHORT in 1–8
                    return -1;
                return value;
            }
        }
        offset = stream.read32();
        if (!stream.ok())
            return -1;
        if (offset == 0)
            return 0;
    }
    return -1;
}

// The stored image turned as EXIF `orientation` says (2: mirrored, 3: turned half way, 4: flipped, 5: transposed,
// 6: turned a quarter clockwise, 7: transversed, 8: turned a quarter anticlockwise). Null when out of memory.
QImage upright(const QImage& stored, int orientation)
{
    if (orientation <= 1 || orientation > 8)
        return stored;
    const int w = stored.width();
    const int h = stored.height();
    const bool turned = orientation >= 5;
    QImage out(turned ? h : w, turned ? w : h, QImage::Format_RGB888);
    if (out.isNull())
        return out;
    // Output (x, y) reads source (u, v) = (x, y), or (y, x) when turned a quarter, each mirrored where flipped.
    const bool flipX = orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8;
    const bool flipY = orientation == 3 || orientation == 4 || orientation == 6 || orientation == 7;
    for (int y = 0; y < out.height(); ++y) {
        uchar* o = out.scanLine(y);
        for (int x = 0; x < out.width(); ++x) {
            const int u = turned ? y : x;
            const int v = turned ? x : y;
            const int sx = flipX ? w - 1 - u : u;
            const int sy = flipY ? h - 1 - v : v;
            std::memcpy(o + 3 * x, stored.constScanLine(sy) + 3 * sx, 3);
        }
    }
    return out;
}

// Runs libjpeg over `bytes` into decode.image. Everything between setjmp and the end is C calls and assignments to
// members of `decode`.
Outcome run(Decode& decode, const QByteArray& bytes, const DecodeLimits& limits)
{
    jpeg_decompress_struct& info = decode.info;
    info.err = jpeg_std_error(&decode.error.pub);
    decode.error.pub.error_exit = errorExit;
    decode.error.pub.output_message = outputMessage;
    decode.error.message[0] = '\0';
    decode.error.late = false;
    decode.progress.pub.progress_monitor = checkTheClock;
    decode.progress.deadline = Clock::now() + std::chrono::milliseconds(std::max(0, limits.decodeMilliseconds));
    if (setjmp(decode.error.jump))
        return Outcome::Failed;

    jpeg_create_decompress(&info);
    decode.created = true;
    info.progress = &decode.progress.pub;
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.constData()),
                 static_cast<unsigned long>(bytes.size()));
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);  // EXIF
    jpeg_read_header(&info, TRUE);

    const bool gray = info.jpeg_color_space == JCS_GRAYSCALE && info.num_components == 1;
    const bool colour =
        (info.jpeg_color_space == JCS_YCbCr || info.jpeg_color_space == JCS_RGB) && info.num_components == 3;
    if (!gray && !colour)
        return Outcome::LeaveToQt;
    if (qint64(info.image_width) * info.image_height > limits.maxPixels)
        return Outcome::LeaveToQt;

    for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next)
        if (marker->marker == JPEG_APP0 + 1)
            decode.exif.append(reinterpret_cast<const char*>(marker->data), qsizetype(marker->data_length));

    // libjpeg's defaults are what PIL and Qt use: the accurate integer inverse DCT, smooth chroma upsampling.
    info.out_color_space = JCS_RGB;
    jpeg_calc_output_dimensions(&info);
    decode.image = QImage(int(info.output_width), int(info.output_height), QImage::Format_RGB888);
    if (decode.image.isNull())
        return Outcome::NoMemory;

    jpeg_start_decompress(&info);
    while (info.output_scanline < info.output_height) {
        JSAMPROW rows[8];
        const int count = int(std::min<JDIMENSION>(8, info.output_height - info.output_scanline));
        for (int i = 0; i < count; ++i)
            rows[i] = decode.image.scanLine(int(info.output_scanline) + i);
        jpeg_read_scanlines(&info, rows, JDIMENSION(count));
    }
    jpeg_finish_decompress(&info);
    return Outcome::Decoded;
}

}  // namespace

std::optional<Expected<QImage>> decodeJpeg(const QByteArray& bytes, const DecodeLimits& limits)
{
    try {
        auto decode = std::make_unique<Decode>();
        switch (run(*decode, bytes, limits)) {
            case Outcome::LeaveToQt:
                return std::nullopt;
            case Outcome::NoMemory:
                return Expected<QImage>(makeError(
                    ErrorKind::BadInput,
                    QStringLiteral("not enough memory to decode the %1 pixels of the image")
                        .arg(decodemessages::dimensions(decode->info.output_width, decode->info.output_height))
                        .toStdString()));
            case Outcome::Failed:
                return Expected<QImage>(
                    makeError(ErrorKind::BadInput,
                              (decode->error.late
                                   ? decodemessages::tooSlow("jpeg", limits.decodeMilliseconds)
                                   : decodemessages::undecodable("jpeg", QString::fromLocal8Bit(decode->error.message)))
                                  .toStdString()));
            case Outcome::Decoded:
                break;
        }
        const int orientation = decode->exif.isEmpty() ? 0 : exifOrientation(decode->exif);
        QImage image = upright(decode->image, orientation);
        if (image.isNull())
            return Expected<QImage>(makeError(ErrorKind::BadInput, "not enough memory to turn the image upright"));
        return Expected<QImage>(std::move(image));
    } catch (const std::bad_alloc&) {
        return Expected<QImage>(makeError(ErrorKind::BadInput, "not enough memory to decode the image"));
    }
}

}  // namespace convlens
