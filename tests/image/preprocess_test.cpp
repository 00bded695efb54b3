#include <gtest/gtest.h>


#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "core/image/imagedecoder.h"
#include "core/image/preprocess.h"
#include "tests/image/imagefixtures.h"

namespace convlens {
namespace {

using testing::fixturePath;
using testing::manifest;

TEST(Preprocess, MatchesTorchvisionTransformsOnRealPhotos)
{
    const QJsonObject m = manifest();
    const QJsonObject models = m.value(QStringLiteral("models")).toObject();
    const QJsonArray photos = m.value(QStringLiteral("photos")).toArray();
    ASSERT_GE(models.size(), 2);
    ASSERT_GE(photos.size(), 5);
    int jpegs = 0;
    for (const QJsonValue& photoValue : photos) {
        const QJsonObject photo = photoValue.toObject();
        const QString file = photo.value(QStringLiteral("file")).toString();
        jpegs += file.endsWith(QStringLiteral(".jpg")) ? 1 : 0;
        const Expected<QImage> decoded = decodeImageFile(fixturePath(file));
        ASSERT_TRUE(decoded.ok()) << decoded.message();
        ASSERT_EQ(decoded->width(), photo.value(QStringLiteral("width")).toInt());
        ASSERT_EQ(decoded->height(), photo.value(QStringLiteral("height")).toInt());
        const QJsonObject outputs = photo.value(QStringLiteral("outputs")).toObject();
        for (auto it = models.begin(); it != models.end(); ++it) {
            SCOPED_TRACE(file.toStdString() + " with " + it.key().toStdString());
            const PreprocessSpec spec = testing::specFromManifest(it.value().toObject());
            const QJsonObject output = outputs.value(it.key()).toObject();

            // The 8-bit crop is PIL's, byte for byte.
            const QImage cropped = resizeAndCrop(*decoded, spec);
            const QImage expectedCrop =
                testing::readRgb(output.value(QStringLiteral("rgb")).toString(), spec.cropSize, spec.cropSize);
            ASSERT_FALSE(expectedCrop.isNull());
            EXPECT_EQ(testing::maxDifference(cropped, expectedCrop), 0);

            const PreprocessedImage result = preprocess(*decoded, spec);
            ASSERT_EQ(result.channels, 3);
            ASSERT_EQ(result.height, spec.cropSize);
            ASSERT_EQ(result.width, spec.cropSize);
            const std::vector<float> expected = testing::readFloats(output.value(QStringLiteral("f32")).toString());
            ASSERT_EQ(result.chw.size(), expected.size());
            std::vector<float> diff(expected.size());
            double sum = 0.0;
            for (size_t i = 0; i < expected.size(); ++i) {
                diff[i] = std::abs(result.chw[i] - expected[i]);
                sum += diff[i];
            }
            std::sort(diff.begin(), diff.end());
            std::printf("%s %s: max |diff| %g\n", qPrintable(file), qPrintable(it.key()), double(diff.back()));
            EXPECT_LE(sum / double(diff.size()), 0.01);
            EXPECT_LE(diff[diff.size() * 99 / 100], 0.05f);
            EXPECT_LE(diff.back(), 1e-5f);  // exact reproduction of PIL's resampling and torch's float math
        }
    }
    EXPECT_GE(jpegs, 1);
}

TEST(Preprocess, ResizeMatchesPilOnOddSizes)
{
    const QJsonArray cases = manifest().value(QStringLiteral("resize")).toArray();
    ASSERT_GE(cases.size(), 60);
    for (const QJsonValue& value : cases) {
        const QJsonObject c = value.toObject();
        const int width = c.value(QStringLiteral("width")).toInt();
        const int height = c.value(QStringLiteral("height")).toInt();
        const QString interpolation = c.value(QStringLiteral("interpolation")).toString();
        SCOPED_TRACE(c.value(QStringLiteral("expected")).toString().toStdString());
        const Expected<QImage> source = decodeImageFile(fixturePath(c.value(QStringLiteral("source")).toString()));
        ASSERT_TRUE(source.ok()) << source.message();
        const QImage resized = resizeLikePil(*source, width, height, testing::interpolationFromName(interpolation));
        ASSERT_EQ(resized.size(), QSize(width, height));
        const QImage expected = testing::readRgb(c.value(QStringLiteral("expected")).toString(), width, height);
        ASSERT_FALSE(expected.isNull());
        EXPECT_EQ(testing::maxDifference(resized, expected), 0);
    }
}

TEST(Preprocess, ResizedOutputSizeFollowsTorchvision)
{
    EXPECT_EQ(resizedOutputSize(QSize(451, 300), 232), QSize(348, 232));  // int(232 * 451 / 300) = 348
    EXPECT_EQ(resizedOutputSize(QSize(300, 451), 232), QSize(232, 348));
    EXPECT_EQ(resizedOutputSize(QSize(512, 512), 320), QSize(320, 320));
    EXPECT_EQ(resizedOutputSize(QSize(1, 4000), 224), QSize(224, 896000));
}

// An RGB888 image of uniformly random bytes, the same for the same seed.
QImage noiseImage(int width, int height, unsigned seed)
{
    QImage image(width, height, QImage::Format_RGB888);
    std::mt19937 random(seed);
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width() * 3; ++x) {
            image.scanLine(y)[x] = static_cast<uchar>(random());
        }
    }
    return image;
}

TEST(Preprocess, CropOfAnOtherFormatEqualsCropOfRgb888)
{
    const QImage image = noiseImage(97, 61, 7);
    PreprocessSpec spec;
    spec.resizeSize = 40;
    spec.cropSize = 32;
    EXPECT_EQ(resizeAndCrop(image.convertToFormat(QImage::Format_RGB32), spec), resizeAndCrop(image, spec));
    EXPECT_TRUE(resizeAndCrop(QImage(), spec).isNull());
    EXPECT_TRUE(preprocess(QImage(), spec).chw.empty());
}

TEST(Preprocess, BandsOfRowsAddUpToTheWholeCropAndInput)
{
    // Downscaled, upscaled and padded (the crop is larger than the resized image), with every filter: bands of
    // uneven heights, made apart, are the whole crop's rows and the whole input's values, byte for byte.
    const QImage image = noiseImage(157, 93, 11);
    for (const int resize : {40, 61, 256}) {
        for (Interpolation interpolation : {Interpolation::Nearest, Interpolation::Bilinear, Interpolation::Bicubic}) {
            SCOPED_TRACE("resize " + std::to_string(resize) + ", filter " + std::to_string(int(interpolation)));
            PreprocessSpec spec;
            spec.resizeSize = resize;
            spec.cropSize = 72;
            spec.interpolation = interpolation;
            const QImage whole = resizeAndCrop(image, spec);
            const PreprocessedImage expected = preprocess(image, spec);
            ASSERT_EQ(whole.size(), QSize(72, 72));
            std::vector<float> chw(expected.chw.size(), -1000.0f);
            int rows = 0;
            for (const auto& [first, last] : std::vector<std::pair<int, int>>{{0, 1}, {1, 30}, {30, 31}, {31, 72}}) {
                const QImage band = resizeAndCropRows(image, spec, first, last);
                ASSERT_EQ(band.size(), QSize(72, last - first));
                for (int y = 0; y < band.height(); ++y) {
                    ASSERT_EQ(std::memcmp(band.constScanLine(y), whole.constScanLine(first + y), 72 * 3), 0)
                        << "row " << first + y;
                }
                normalizeRowsInto(band, spec, first, 72, chw.data());
                rows += band.height();
            }
            EXPECT_EQ(rows, 72);
            EXPECT_EQ(chw, expected.chw);
        }
    }
    PreprocessSpec spec;
    EXPECT_TRUE(resizeAndCropRows(image, spec, 10, 10).isNull());
    EXPECT_TRUE(resizeAndCropRows(image, spec, -1, 10).isNull());
    EXPECT_TRUE(resizeAndCropRows(image, spec, 0, spec.cropSize + 1).isNull());
}

TEST(Preprocess, ExtremeAspectRatioCropsOnlyWhatItNeeds)
{
    // A 1×5000 strip resizes to 224×1120000; only the 224×224 window is computed. Upscaling a single column
    // horizontally gives identical pixels along each row.
    QImage strip(1, 5000, QImage::Format_RGB888);
    for (int y = 0; y < strip.height(); ++y) {
        uchar* p = strip.scanLine(y);
        p[0] = static_cast<uchar>(y);
        p[1] = static_cast<uchar>(y / 20);
        p[2] = static_cast<uchar>(255 - y % 256);
    }
    for (Interpolation interpolation : {Interpolation::Nearest, Interpolation::Bilinear, Interpolation::Bicubic}) {
        PreprocessSpec spec;
        spec.interpolation = interpolation;
        const QImage cropped = resizeAndCrop(strip, spec);
        ASSERT_EQ(cropped.size(), QSize(224, 224));
        for (int y = 0; y < cropped.height(); ++y) {
            for (int x = 1; x < cropped.width(); ++x) {
                ASSERT_EQ(cropped.pixel(x, y), cropped.pixel(0, y)) << x << "," << y;
            }
        }
        // The crop is the middle: rows around source row 2500.
        const int middle = qRed(resizeLikePil(strip, 1, 5000, interpolation).pixel(0, 2500));
        EXPECT_NEAR(qRed(cropped.pixel(0, 112)), middle, 8);
    }
}

}  // namespace
}  // namespace convlens
