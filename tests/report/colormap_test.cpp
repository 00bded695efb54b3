#include "core/report/colormap.h"

#include <gtest/gtest.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include <cmath>

namespace convlens {
namespace {

TEST(Colormap, EveryLevelIsCloseToMatplotlib)
{
    QFile file(QStringLiteral(CONVLENS_FIXTURE_DIR "/report/colormaps.json"));
    ASSERT_TRUE(file.open(QIODevice::ReadOnly)) << "run the fixture.report step first";
    const QJsonObject maps = QJsonDocument::fromJson(file.readAll()).object();
    for (Colormap map : {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno}) {
        const QJsonArray reference = maps.value(colormapName(map)).toArray();
        ASSERT_EQ(reference.size(), 256) << colormapName(map).toStdString();
        int worst = 0;
        for (int i = 0; i < 256; ++i) {
            const QJsonArray rgb = reference.at(i).toArray();
            const QRgb c = colormapColor(map, static_cast<float>(i) / 255.0f);
            worst = std::max({worst, std::abs(qRed(c) - rgb.at(0).toInt()), std::abs(qGreen(c) - rgb.at(1).toInt()),
                              std::abs(qBlue(c) - rgb.at(2).toInt())});
        }
        // The generated tables are matplotlib's, rounded to 8 bits.
        EXPECT_EQ(worst, 0) << colormapName(map).toStdString();
    }
}

TEST(Colormap, NamesRoundTrip)
{
    for (Colormap map : {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno})
        EXPECT_EQ(colormapFromName(colormapName(map)), map);
    EXPECT_FALSE(colormapFromName(QStringLiteral("rainbow")).has_value());
}

TEST(Colormap, OverlayBlendsByOpacity)
{
    const int size = 4;
    QImage grey(size, size, QImage::Format_RGB888);
    grey.fill(QColor(100, 100, 100));
    const std::vector<float> heat(size * size, 1.0f);
    const QRgb hot = colormapColor(Colormap::Jet, 1.0f);

    const QImage none = overlayHeatmap(grey, heat, size, Colormap::Jet, 0.0f);
    EXPECT_EQ(none.pixel(1, 1), qRgb(100, 100, 100));
    const QImage full = overlayHeatmap(grey, heat, size, Colormap::Jet, 1.0f);
    EXPECT_EQ(full.pixel(1, 1), hot);
    const QImage half = overlayHeatmap(grey, heat, size, Colormap::Jet, 0.5f);
    EXPECT_NEAR(qRed(half.pixel(2, 3)), (100 + qRed(hot)) / 2.0, 1.0);

    EXPECT_TRUE(overlayHeatmap(grey, heat, size + 1, Colormap::Jet, 0.5f).isNull());
    EXPECT_TRUE(heatmapImage(std::vector<float>(3), size, Colormap::Jet).isNull());
}

// The overlay's fast path (products looked up, rounding without lround) against the formula written out: every
// image level against every colour level, heat values on and between the table's steps, out of range and NaN.
TEST(Colormap, OverlayIsTheRoundedBlendForEveryLevel)
{
    const int size = 256;
    QImage image(size, size, QImage::Format_RGB888);
    std::vector<float> heat(static_cast<size_t>(size) * size);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            image.setPixel(x, y, qRgb(x, y, (x + 3 * y) & 255));
            const int i = y * size + x;
            float v = static_cast<float>(i % 1021) / 1020.0f;  // between the steps
            if (i % 7 == 0)
                v = (static_cast<float>(x) + 0.5f) / 255.0f;  // on a half step
            if (i % 11 == 0)
                v = static_cast<float>(y) / 255.0f;  // on a step
            if (i % 97 == 0)
                v = i % 2 ? -0.5f : 1.5f;
            if (i % 101 == 0)
                v = std::nanf("");
            heat[static_cast<size_t>(i)] = v;
        }
    for (const float opacity : {0.0f, 0.3f, 0.5f, 0.65f, 0.8f, 1.0f}) {
        SCOPED_TRACE(opacity);
        const QImage out = overlayHeatmap(image, heat, size, Colormap::Turbo, opacity);
        ASSERT_EQ(out.size(), QSize(size, size));
        int wrong = 0;
        for (int y = 0; y < size; ++y)
            for (int x = 0; x < size; ++x) {
                const float v = heat[static_cast<size_t>(y * size + x)];
                const QRgb c = colormapColor(Colormap::Turbo, std::isnan(v) ? 0.0f : v);
                const QRgb b = image.pixel(x, y);
                auto mix = [opacity](int u, int w) {
                    return static_cast<int>(std::lround((1.0f - opacity) * u + opacity * w));
                };
                const QRgb expected =
                    qRgb(mix(qRed(b), qRed(c)), mix(qGreen(b), qGreen(c)), mix(qBlue(b), qBlue(c)));
                wrong += out.pixel(x, y) != expected;
            }
        EXPECT_EQ(wrong, 0);
    }
    // The colour index rounds as lround(clamp(v) · 255) does, NaN as 0.
    for (int i = 0; i <= 2 * 255; ++i) {
        const float v = static_cast<float>(i) / 510.0f;
        EXPECT_EQ(colormapColor(Colormap::Jet, v), colormapColor(Colormap::Jet, std::lround(v * 255.0f) / 255.0f))
            << i;
    }
    EXPECT_EQ(colormapColor(Colormap::Jet, std::nanf("")), colormapColor(Colormap::Jet, 0.0f));
}

}  // namespace
}  // namespace convlens
