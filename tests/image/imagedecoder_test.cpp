#include <gtest/gtest.h>

#include <QImageReader>
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
