#include <gtest/gtest.h>

#include <QBuffer>
#include <QElapsedTimer>
#include <QImageReader>
#include <QtEndian>
#include <QTemporaryDir>

#include "core/image/imagedecoder.h"
#include "tests/image/imagefixtures.h"

namespace convlens {
namespace {

using testing::fixturePath;
using testing::manifest;

TEST(ImageDecoder, DecodesEveryColourFormatLikePil)
{
    const QJsonArray cases = manifest().value(QStringLiteral("decode")).toArray();
    ASSERT_GE(cases.size(), 15);
    for (const QJsonValue& value : cases) {
        const QJsonObject c = value.toObject();
        const QString file = c.value(QStringLiteral("file")).toString();
        SCOPED_TRACE(file.toStdString() +
                     " (reference: " + c.value(QStringLiteral("reference")).toString().toStdString() + ")");
        const int width = c.value(QStringLiteral("width")).toInt();
        const int height = c.value(QStringLiteral("height")).toInt();
        const Expected<QImage> decoded = decodeImageFile(fixturePath(file));
        ASSERT_TRUE(decoded.ok()) << decoded.message();
        EXPECT_EQ(decoded->format(), QImage::Format_RGB888);
        ASSERT_EQ(decoded->width(), width);
        ASSERT_EQ(decoded->height(), height);
        const QImage expected = testing::readRgb(c.value(QStringLiteral("expected")).toString(), width, height);
        ASSERT_FALSE(expected.isNull());
        const int difference = testing::maxDifference(*decoded, expected);
        EXPECT_GE(difference, 0);
        EXPECT_LE(difference, c.value(QStringLiteral("tolerance")).toInt());
    }
}

TEST(ImageDecoder, AppliesExifOrientation)
{
    // Orientation 6 and 8 turn the stored 90×60 picture upright as 60×90.
    for (const char* name : {"decode/exif_orientation6.jpg", "decode/exif_orientation8.jpg"}) {
        const Expected<QImage> decoded = decodeImageFile(fixturePath(QString::fromLatin1(name)));
        ASSERT_TRUE(decoded.ok()) << decoded.message();
        EXPECT_EQ(decoded->size(), QSize(60, 90)) << name;
    }
    const Expected<QImage> upsideDown = decodeImageFile(fixturePath(QStringLiteral("decode/exif_orientation3.jpg")));
    ASSERT_TRUE(upsideDown.ok()) << upsideDown.message();
    EXPECT_EQ(upsideDown->size(), QSize(90, 60));
}

TEST(ImageDecoder, FailuresSayWhichFileAndWhy)
{
    const QJsonArray cases = manifest().value(QStringLiteral("failures")).toArray();
    ASSERT_GE(cases.size(), 8);
    for (const QJsonValue& value : cases) {
        const QJsonObject c = value.toObject();
        const QString file = c.value(QStringLiteral("file")).toString();
        SCOPED_TRACE(file.toStdString());
        DecodeLimits limits;
        if (c.contains(QStringLiteral("max_pixels"))) {
            limits.maxPixels = c.value(QStringLiteral("max_pixels")).toInteger();
        }
        if (c.contains(QStringLiteral("max_file_bytes"))) {
            limits.maxFileBytes = c.value(QStringLiteral("max_file_bytes")).toInteger();
        }
        const Expected<QImage> decoded = decodeImageFile(fixturePath(file), limits);
        ASSERT_FALSE(decoded.ok());
        // Either the whole message is known, or how it starts (the file name) and a word it must hold.
        const std::string expected = c.value(QStringLiteral("message")).toString().toStdString();
        const std::string word = c.value(QStringLiteral("contains")).toString().toStdString();
        std::printf("%s\n", decoded.message().c_str());
        if (word.empty()) {
            EXPECT_EQ(decoded.message(), expected);
        } else {
            EXPECT_EQ(decoded.message().substr(0, expected.size()), expected) << decoded.message();
            EXPECT_NE(decoded.message().find(word, expected.size()), std::string::npos) << decoded.message();
        }

        // The in-memory entry point says the same, under the name it is given.
        const QByteArray bytes = testing::readBytes(file);
        const Expected<QImage> fromMemory = decodeImageData(bytes, QStringLiteral("upload"), limits);
        ASSERT_FALSE(fromMemory.ok());
        EXPECT_EQ(fromMemory.message().rfind("upload: ", 0), 0u) << fromMemory.message();
    }
}

// A true-colour TGA starts with bytes that look like a cursor header to Qt's ICO reader (0 0 2 0); the signature
// check and the suffix give it to the TGA reader. Built here: an 18-byte header, bottom-up BGR rows, the footer.
TEST(ImageDecoder, ATgaIsNotTakenForAnIcon)
{
    ASSERT_TRUE(QImageReader::supportedImageFormats().contains("tga"))
        << "no TGA plugin: qt6-image-formats-plugins is a build dependency (packaging/quickstart.sh)";
    const int width = 5, height = 3;
    QByteArray tga(18, '\0');
    tga[2] = 2;  // uncompressed true colour
    tga[12] = char(width);
    tga[14] = char(height);
    tga[16] = 24;
    for (int y = height - 1; y >= 0; --y)
        for (int x = 0; x < width; ++x)
            tga.append(char(10 * y)).append(char(40 * x)).append(char(200));  // B, G, R
    tga.append(QByteArray(8, '\0')).append("TRUEVISION-XFILE.").append('\0');  // TGA 2.0 footer (Qt wants it)
    auto image = decodeImageData(tga, QStringLiteral("photo.tga"));
    ASSERT_TRUE(image) << image.message();
    ASSERT_EQ(image->size(), QSize(width, height));
    EXPECT_EQ(image->pixelColor(4, 2), QColor(200, 160, 20));
    EXPECT_EQ(image->pixelColor(0, 0), QColor(200, 0, 0));
}

TEST(ImageDecoder, MissingFileIsNamed)
{
    const Expected<QImage> decoded = decodeImageFile(QStringLiteral("/nonexistent/folder/holiday.png"));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.message().rfind("holiday.png: no such file", 0), 0u) << decoded.message();
}

TEST(ImageDecoder, UnreadableWebpPointsAtThePluginPackage)
{
    // Debian's base Qt has no WebP reader; the message must say what to install. Where the plugin is present,
    // the garbage must still be refused as unknown.
    const QByteArray garbage("RIFF\x10\x00\x00\x00WEBPVP8 garbage garbage", 32);
    const Expected<QImage> decoded = decodeImageData(garbage, QStringLiteral("photo.webp"));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.message().rfind("photo.webp: ", 0), 0u) << decoded.message();
    if (!QImageReader::supportedImageFormats().contains("webp")) {
        EXPECT_NE(decoded.message().find("qt6-image-formats-plugins"), std::string::npos) << decoded.message();
    }
}

TEST(ImageDecoder, FromMemoryEqualsFromFile)
{
    const QString file = QStringLiteral("photos/rocket.jpg");
    const Expected<QImage> fromFile = decodeImageFile(fixturePath(file));
    const Expected<QImage> fromMemory = decodeImageData(testing::readBytes(file), QStringLiteral("rocket.jpg"));
    ASSERT_TRUE(fromFile.ok()) << fromFile.message();
    ASSERT_TRUE(fromMemory.ok()) << fromMemory.message();
    EXPECT_EQ(*fromFile, *fromMemory);
}

QByteArray encoded(const QImage& image, const char* format)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, format);
    return bytes;
}

TEST(ImageDecoder, TruncatedFilesQtWouldPadAreRefusedFromTheirHeaders)
{
    // Qt's BMP and GIF readers fill a truncated file's missing pixels instead of failing.
    QImage image(40, 30, QImage::Format_RGB888);
    image.fill(Qt::red);
    const QByteArray bmp = encoded(image, "BMP");
    ASSERT_TRUE(decodeImageData(bmp, QStringLiteral("whole.bmp")).ok());
    const auto cut = decodeImageData(bmp.left(bmp.size() / 2), QStringLiteral("cut.bmp"));
    ASSERT_FALSE(cut.ok());
    EXPECT_NE(cut.message().find("cut.bmp: the BMP data ends early"), std::string::npos) << cut.message();
    QByteArray tall = bmp;
    qToLittleEndian<qint32>(100000, tall.data() + 22);  // a header claiming 40x100000 over the same pixels
    EXPECT_FALSE(decodeImageData(tall, QStringLiteral("tall.bmp")).ok());
    QByteArray topDown = bmp;
    qToLittleEndian<qint32>(-30, topDown.data() + 22);  // negative height: rows top-down, valid
    EXPECT_TRUE(decodeImageData(topDown, QStringLiteral("topdown.bmp")).ok());

    // The classic 1x1 GIF, whole and without its last data sub-block.
    const QByteArray gif(
        "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
        ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02"
        "D\x01\x00;",
        43);
    ASSERT_TRUE(decodeImageData(gif, QStringLiteral("dot.gif")).ok());
    const auto gifCut = decodeImageData(gif.left(38), QStringLiteral("dot.gif"));
    ASSERT_FALSE(gifCut.ok());
    EXPECT_NE(gifCut.message().find("dot.gif: the GIF data ends"), std::string::npos) << gifCut.message();

    QByteArray ico = encoded(image, "ICO");
    ASSERT_TRUE(decodeImageData(ico, QStringLiteral("icon.ico")).ok());
    qToLittleEndian<quint16>(65535, ico.data() + 4);
    const auto icoLies = decodeImageData(ico, QStringLiteral("icon.ico"));
    ASSERT_FALSE(icoLies.ok());
    EXPECT_NE(icoLies.message().find("icon directory lists 65535 images"), std::string::npos) << icoLies.message();
}

TEST(ImageDecoder, AJpegWithThousandsOfScansIsRefusedBeforeDecoding)
{
    QImage image(16, 16, QImage::Format_RGB888);
    image.fill(Qt::blue);
    const QByteArray jpeg = encoded(image, "JPEG");
    const qsizetype end = jpeg.lastIndexOf(QByteArrayView("\xFF\xD9", 2));
    QByteArray scans;
    for (int i = 0; i < 2000; ++i)
        scans += QByteArray("\xFF\xDA\x00\x08\x01\x01\x00\x00\x00\x10", 10);
    QElapsedTimer clock;
    clock.start();
    const auto result = decodeImageData(jpeg.left(end) + scans + jpeg.mid(end), QStringLiteral("slow.jpg"));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.message().find("slow.jpg: the JPEG has more than 256 scans"), std::string::npos)
        << result.message();
    EXPECT_LT(clock.elapsed(), 1000);
}

TEST(ImageDecoder, ALargeJpegIsDecodedScaledAndOtherFormatsAreRefused)
{
    // Limits lowered so a small image stands for a huge one: 1 MP decoded at full size, up to 4 MP scaled.
    QImage image(2000, 1000, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixelColor(x, y, QColor(x % 256, y % 256, (x / 8) % 256));
    DecodeLimits limits;
    limits.maxPixels = 1'000'000;
    limits.maxScaledPixels = 4'000'000;

    const auto jpeg = decodeImageData(encoded(image, "JPEG"), QStringLiteral("wide.jpg"), limits);
    ASSERT_TRUE(jpeg.ok()) << jpeg.message();
    EXPECT_LE(qint64(jpeg->width()) * jpeg->height(), limits.maxPixels);
    EXPECT_GE(qint64(jpeg->width()) * jpeg->height(), limits.maxPixels * 9 / 10) << "scaled further than needed";
    EXPECT_NEAR(double(jpeg->width()) / jpeg->height(), 2.0, 0.01) << "the aspect ratio changed";

    // PNG's decoder would need the full image in memory first: refused, and the message says the limit.
    const auto png = decodeImageData(encoded(image, "PNG"), QStringLiteral("wide.png"), limits);
    ASSERT_FALSE(png.ok());
    EXPECT_NE(png.message().find("wide.png: 2000"), std::string::npos) << png.message();
    EXPECT_NE(png.message().find("exceeds the 1 MP limit"), std::string::npos) << png.message();

    // Beyond the scaled limit a JPEG is refused too.
    limits.maxScaledPixels = 1'500'000;
    const auto huge = decodeImageData(encoded(image, "JPEG"), QStringLiteral("wide.jpg"), limits);
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.message().find("1.5 MP when decoded scaled"), std::string::npos) << huge.message();
}

TEST(ImageDecoder, ADecoderOverItsTimeBudgetIsAbandonedWithAMessage)
{
    QImage image(3000, 2000, QImage::Format_RGB888);
    image.fill(QColor(10, 200, 30));
    const QByteArray png = encoded(image, "PNG");
    DecodeLimits limits;
    limits.decodeMilliseconds = 0;  // stands for a decoder made to stall: nothing decodes in no time
    QElapsedTimer clock;
    clock.start();
    const auto stalled = decodeImageData(png, QStringLiteral("slow.png"), limits);
    EXPECT_LT(clock.elapsed(), 1000) << "the caller waited for the decoder";
    ASSERT_FALSE(stalled.ok());
    EXPECT_EQ(stalled.kind(), ErrorKind::BadInput);
    EXPECT_NE(stalled.message().find("slow.png: decoding the PNG image took longer than 0 s"), std::string::npos)
        << stalled.message();
    // With its budget the same file decodes.
    limits.decodeMilliseconds = 20'000;
    const auto decoded = decodeImageData(png, QStringLiteral("slow.png"), limits);
    ASSERT_TRUE(decoded.ok()) << decoded.message();
    EXPECT_EQ(decoded->size(), QSize(3000, 2000));
}

TEST(ImageDecoder, ConvertsQtFormatsWithoutCompositingAlpha)
{
    // Transparent pixels keep their stored colour (PIL drops alpha), and premultiplied input is un-premultiplied.
    QImage argb(2, 1, QImage::Format_ARGB32);
    argb.setPixel(0, 0, qRgba(200, 100, 50, 0));
    argb.setPixel(1, 0, qRgba(10, 20, 30, 255));
    const QImage rgb = toRgb888LikePil(argb);
    ASSERT_EQ(rgb.format(), QImage::Format_RGB888);
    EXPECT_EQ(rgb.pixel(0, 0), qRgb(200, 100, 50));
    EXPECT_EQ(rgb.pixel(1, 0), qRgb(10, 20, 30));

    QImage gray16(1, 1, QImage::Format_Grayscale16);
    *reinterpret_cast<quint16*>(gray16.scanLine(0)) = 0xABFF;
    EXPECT_EQ(toRgb888LikePil(gray16).pixel(0, 0), qRgb(0xAB, 0xAB, 0xAB));
    EXPECT_TRUE(toRgb888LikePil(QImage()).isNull());
}

}  // namespace
}  // namespace convlens
