// The direct JPEG decoder against Qt's reader: the same bytes for every layout, orientation and kind of damage,
// and the cases it leaves to Qt. PIL parity of the whole decoder is ImageDecoder.DecodesEveryColourFormatLikePil.

#include <gtest/gtest.h>

#include <QBuffer>
#include <QElapsedTimer>
#include <QImageReader>
#include <QImageWriter>
#include <QRandomGenerator>

#include "core/image/imagedecoder.h"
#include "core/image/jpegdecoder.h"
#include "tests/image/imagefixtures.h"

namespace convlens {
namespace {

// What Qt's reader makes of `bytes` (EXIF orientation applied), as RGB888 the PIL way; null where it fails.
QImage readByQt(const QByteArray& bytes)
{
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, "jpeg");
    reader.setAutoTransform(true);
    QImage image;
    if (!reader.read(&image))
        return {};
    return toRgb888LikePil(image);
}

// A picture whose every pixel differs from its neighbours, so a turn, a mirror or a shifted row shows.
QImage pattern(int width, int height, QImage::Format format = QImage::Format_RGB888)
{
    QImage image(width, height, QImage::Format_RGB888);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            image.setPixelColor(x, y, QColor((x * 37 + y * 11) % 256, (y * 53 + 7 * x) % 256, (x * y + 90) % 256));
    return image.convertToFormat(format);
}

QByteArray jpeg(const QImage& image, int quality, bool progressive = false, bool optimized = false)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setQuality(quality);
    writer.setProgressiveScanWrite(progressive);
    writer.setOptimizedWrite(optimized);
    EXPECT_TRUE(writer.write(image)) << writer.errorString().toStdString();
    return bytes;
}

// `bytes` with `segment` (marker and payload) inserted right after the start-of-image marker.
QByteArray withSegment(const QByteArray& bytes, uchar marker, const QByteArray& payload)
{
    QByteArray segment;
    segment.append(char(0xFF));
    segment.append(char(marker));
    const int length = int(payload.size()) + 2;
    segment.append(char(length >> 8));
    segment.append(char(length & 0xFF));
    segment.append(payload);
    return bytes.left(2) + segment + bytes.mid(2);
}

void put(QByteArray& out, quint32 value, int bytes, bool big)
{
    for (int i = 0; i < bytes; ++i) {
        const int shift = big ? 8 * (bytes - 1 - i) : 8 * i;
        out.append(char((value >> shift) & 0xFF));
    }
}

// An EXIF block: IFD0 with the given entries (tag, type, count, first value), then a next-IFD offset.
struct Entry {
    quint16 tag;
    quint16 type;
    quint32 count;
    quint16 value;
};
// The IFD sits right after the 8-byte TIFF header unless `firstIfd` says otherwise; `padToIfd` puts it there.
QByteArray exifBlock(const std::vector<Entry>& entries, bool big, quint32 nextIfd = 0, quint32 firstIfd = 8,
                     bool padToIfd = true)
{
    QByteArray block("Exif\0\0", 6);
    block.append(big ? "MM" : "II");
    put(block, 0x2A, 2, big);
    put(block, firstIfd, 4, big);
    if (padToIfd && firstIfd > 8)
        block.append(QByteArray(int(firstIfd) - 8, '\0'));
    put(block, quint32(entries.size()), 2, big);
    for (const Entry& e : entries) {
        put(block, e.tag, 2, big);
        put(block, e.type, 2, big);
        put(block, e.count, 4, big);
        put(block, e.value, 2, big);
        put(block, 0, 2, big);
    }
    put(block, nextIfd, 4, big);
    return block;
}

void expectSameAsQt(const QByteArray& bytes, const std::string& what)
{
    SCOPED_TRACE(what);
    const std::optional<Expected<QImage>> direct = decodeJpeg(bytes, DecodeLimits{});
    ASSERT_TRUE(direct.has_value()) << "left to Qt";
    const QImage qt = readByQt(bytes);
    ASSERT_EQ(direct->ok(), !qt.isNull()) << (direct->ok() ? std::string("Qt failed") : direct->message());
    if (qt.isNull())
        return;
    const QImage& image = **direct;
    EXPECT_EQ(image.format(), QImage::Format_RGB888);
    ASSERT_EQ(image.size(), qt.size());
    for (int y = 0; y < qt.height(); ++y)
        ASSERT_EQ(std::memcmp(image.constScanLine(y), qt.constScanLine(y), std::size_t(qt.width()) * 3), 0)
            << "row " << y << " differs";
}

TEST(JpegDecoder, SamePixelsAsQtsReaderForEveryLayout)
{
    // Sizes that are and are not multiples of the 8- and 16-pixel blocks; colour (Qt writes 4:2:0) and grey;
    // baseline, progressive and optimised Huffman tables.
    for (const QSize size : {QSize(640, 480), QSize(33, 17), QSize(1, 1), QSize(17, 250)}) {
        for (const bool grey : {false, true}) {
            const QImage image =
                pattern(size.width(), size.height(), grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
            for (const int quality : {30, 90, 100})
                for (const bool progressive : {false, true})
                    expectSameAsQt(jpeg(image, quality, progressive, quality == 30),
                                   std::to_string(size.width()) + "x" + std::to_string(size.height()) +
                                       (grey ? " grey" : " colour") + " q" + std::to_string(quality) +
                                       (progressive ? " progressive" : ""));
        }
    }
    // PIL's files: 4:4:4, 4:2:0 at quality 75, progressive, grey, EXIF orientations; real photos.
    int files = 0;
    for (const QJsonValue& value : testing::manifest().value(QStringLiteral("decode")).toArray()) {
        const QString file = value.toObject().value(QStringLiteral("file")).toString();
        if (!file.endsWith(QStringLiteral(".jpg")) || file.contains(QStringLiteral("cmyk")))
            continue;
        expectSameAsQt(testing::readBytes(file), file.toStdString());
        ++files;
    }
    EXPECT_GE(files, 8);
    expectSameAsQt(testing::readBytes(QStringLiteral("photos/rocket.jpg")), "rocket.jpg");
}

TEST(JpegDecoder, ExifOrientationsAsQtReadsThem)
{
    const QByteArray plain = jpeg(pattern(24, 16), 100);
    for (const bool big : {true, false}) {
        for (quint16 orientation = 0; orientation <= 9; ++orientation) {
            const QByteArray bytes = withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, orientation}}, big));
            expectSameAsQt(bytes, "orientation " + std::to_string(orientation) + (big ? " MM" : " II"));
            const auto direct = decodeJpeg(bytes, DecodeLimits{});
            ASSERT_TRUE(direct && direct->ok());
            EXPECT_EQ((*direct)->size(), orientation >= 5 && orientation <= 8 ? QSize(16, 24) : QSize(24, 16));
        }
    }
    // What Qt makes of odd blocks, whatever it is: the tag after others, in a second IFD, of the wrong type or
    // count; an IFD pointing backwards or past the end; a block cut short; XMP before the EXIF segment; two EXIF
    // segments (Qt reads all APP1 segments as one block).
    const std::vector<std::pair<std::string, QByteArray>> odd = {
        {"after other tags", withSegment(plain, 0xE1, exifBlock({{0x010F, 2, 4, 0}, {0x0112, 3, 1, 6}}, true))},
        {"type LONG", withSegment(plain, 0xE1, exifBlock({{0x0112, 4, 1, 6}}, true))},
        {"count 2", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 2, 6}}, false))},
        {"next IFD", withSegment(plain, 0xE1,
                                 exifBlock({{0x010F, 2, 4, 0}}, true, 26) +
                                     QByteArray("\0\1\1\x12\0\3\0\0\0\1\0\6\0\0\0\0\0\0", 18))},
        {"IFD offset backwards", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 6}}, true, 0, 4, false))},
        {"IFD past the end", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 6}}, true, 0, 4000, false))},
        {"IFD further on", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 8}}, false, 0, 20))},
        {"cut short", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 6}}, true).left(21))},
        {"cut in the entry", withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 6}}, true).left(26))},
        {"not Exif",
         withSegment(plain, 0xE1, QByteArray("Exig\0\0MM\0\x2a\0\0\0\x08\0\1\1\x12\0\3\0\0\0\1\0\6\0\0", 28))},
        {"XMP first", withSegment(withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 6}}, true)), 0xE1,
                                  QByteArray("http://ns.adobe.com/xap/1.0/\0<x/>", 33))},
        {"two EXIF segments", withSegment(withSegment(plain, 0xE1, exifBlock({{0x0112, 3, 1, 3}}, true)), 0xE1,
                                          exifBlock({{0x0112, 3, 1, 6}}, true))},
    };
    for (const auto& [what, bytes] : odd)
        expectSameAsQt(bytes, what);
}

TEST(JpegDecoder, DamagedFilesFareAsWithQt)
{
    // Seeded damage to the headers and the entropy-coded data: libjpeg recovers from some (grey blocks, a warning)
    // and refuses others; either way the result is Qt's.
    const QByteArray whole = jpeg(pattern(64, 48), 85);
    QRandomGenerator random(1234);
    int failed = 0;
    for (int round = 0; round < 200; ++round) {
        QByteArray bytes = whole;
        const int flips = 1 + int(random.bounded(4));
        for (int i = 0; i < flips; ++i)
            bytes[int(3 + random.bounded(bytes.size() - 3))] = char(random.bounded(256));
        const auto direct = decodeJpeg(bytes, DecodeLimits{});
        if (!direct)
            continue;  // the damage made it a layout left to Qt
        failed += direct->ok() ? 0 : 1;
        expectSameAsQt(bytes, "round " + std::to_string(round));
    }
    EXPECT_GT(failed, 0) << "no damage was refused: the rounds tested nothing but recovery";

    const auto cut = decodeJpeg(whole.left(40), DecodeLimits{});
    ASSERT_TRUE(cut.has_value());
    ASSERT_FALSE(cut->ok());
    EXPECT_EQ(cut->kind(), ErrorKind::BadInput);
    EXPECT_EQ(cut->message().rfind("could not decode the JPEG image (", 0), 0u) << cut->message();
}

TEST(JpegDecoder, LeavesCmykAndOversizedImagesToQt)
{
    EXPECT_FALSE(decodeJpeg(testing::readBytes(QStringLiteral("decode/cmyk.jpg")), DecodeLimits{}).has_value());
    const QByteArray bytes = jpeg(pattern(100, 50), 90);
    DecodeLimits limits;
    limits.maxPixels = 100 * 50;
    EXPECT_TRUE(decodeJpeg(bytes, limits).has_value());
    limits.maxPixels = 100 * 50 - 1;
    EXPECT_FALSE(decodeJpeg(bytes, limits).has_value()) << "Qt decodes it scaled, or refuses it";
    // Through the image reader both come out as before.
    EXPECT_TRUE(
        decodeImageData(testing::readBytes(QStringLiteral("decode/cmyk.jpg")), QStringLiteral("cmyk.jpg")).ok());
    const auto scaled = decodeImageData(bytes, QStringLiteral("wide.jpg"), limits);
    ASSERT_TRUE(scaled.ok()) << scaled.message();
    EXPECT_LT(scaled->width(), 100);
}

TEST(JpegDecoder, StopsAtItsTimeBudgetWithoutAThread)
{
    const QByteArray bytes = jpeg(pattern(2000, 1500), 95, true);
    DecodeLimits limits;
    limits.decodeMilliseconds = 0;  // stands for a file made to stall the decoder
    QElapsedTimer clock;
    clock.start();
    const auto stalled = decodeImageData(bytes, QStringLiteral("slow.jpg"), limits);
    EXPECT_LT(clock.elapsed(), 1000);
    ASSERT_FALSE(stalled.ok());
    EXPECT_EQ(stalled.kind(), ErrorKind::BadInput);
    EXPECT_EQ(stalled.message(),
              "slow.jpg: decoding the JPEG image took longer than 0 s; the file is corrupt or made "
              "to stall the decoder");
    limits.decodeMilliseconds = 20'000;
    const auto decoded = decodeImageData(bytes, QStringLiteral("slow.jpg"), limits);
    ASSERT_TRUE(decoded.ok()) << decoded.message();
    EXPECT_EQ(decoded->size(), QSize(2000, 1500));
}

}  // namespace
}  // namespace convlens
