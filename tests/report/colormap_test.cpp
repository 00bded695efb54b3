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

}  // namespace
}  // namespace convlens
