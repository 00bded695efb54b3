// renderReport (core/report/reportimage.h): the exported PNG report shows the overlay of the chosen class and
// method, the explanation image of guided methods, and fails cleanly without an input image. Runs under the widget
// test main because text rendering needs a QGuiApplication.
#include "core/inspect/guidedimage.h"
#include "core/report/reportimage.h"

#include <QColor>

#include <gtest/gtest.h>

namespace convlens {
namespace {

constexpr int kSize = 64;

AnalysisResult syntheticResult()
{
    AnalysisResult result;
    result.modelId = "resnet18";
    result.imageSha256 = std::string(64, 'a');
    result.input = QImage(kSize, kSize, QImage::Format_RGB888);
    result.input.fill(QColor(200, 30, 30));
    result.prediction.top = {ClassScore{281, "tabby", 0.7f}, ClassScore{285, "Egyptian cat", 0.2f}};
    auto cam = [](int classIndex, float value, std::string method) {
        CamResult c;
        c.method = std::move(method);
        c.classIndex = classIndex;
        c.label = classIndex == 281 ? "tabby" : "Egyptian cat";
        c.layer = "layer4.1";
        c.gridHeight = 2;
        c.gridWidth = 2;
        c.grid = {value, value, value, value};
        c.heatmapSize = kSize;
        c.heatmap.assign(kSize * kSize, value);
        return c;
    };
    result.cams.push_back(cam(281, 1.0f, "gradcam"));
    result.cams.push_back(cam(285, 0.0f, "gradcam"));
    CamResult guided = cam(281, 0.5f, "guided");
    guided.layer = "input";
    guided.guided.assign(3 * kSize * kSize, 0.25f);  // constant: deprocess_image maps it to mid gray
    result.cams.push_back(guided);
    LayerResult layer;
    layer.name = "layer4.1";
    layer.shape = {512, 7, 7};
    for (int t = 0; t < 4; ++t) {
        QImage tile(7, 7, QImage::Format_Grayscale8);
        tile.fill(40 * t);
        layer.tiles.push_back(ChannelTile{t, 1.0f - 0.1f * t, tile, tile});
    }
    result.layers.push_back(layer);
    return result;
}

// Pixels of `image` within 3 levels of `colour` per channel.
int countColour(const QImage& image, QRgb colour)
{
    int count = 0;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < rgb.height(); ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
        for (int x = 0; x < rgb.width(); ++x)
            if (std::abs(qRed(line[x]) - qRed(colour)) <= 3 && std::abs(qGreen(line[x]) - qGreen(colour)) <= 3 &&
                std::abs(qBlue(line[x]) - qBlue(colour)) <= 3)
                ++count;
    }
    return count;
}

QRgb overlayColour(const AnalysisResult& result, const CamResult& cam, Colormap map, float opacity)
{
    return overlayHeatmap(result.input, cam.heatmap, cam.heatmapSize, map, opacity).pixel(kSize / 2, kSize / 2);
}

TEST(ReportImage, ShowsTheOverlayOfTheChosenClass)
{
    const AnalysisResult result = syntheticResult();
    ReportOptions options;
    options.colormap = Colormap::Viridis;
    options.opacity = 0.6f;
    options.classIndex = 281;
    const QImage first = renderReport(result, options);
    ASSERT_FALSE(first.isNull());
    const QRgb hot = overlayColour(result, result.cams[0], options.colormap, options.opacity);
    const QRgb cold = overlayColour(result, result.cams[1], options.colormap, options.opacity);
    ASSERT_NE(hot, cold);
    // The overlay panel is drawn large (hundreds of pixels a side) in the class's colour.
    EXPECT_GT(countColour(first, hot), 100 * 100);
    EXPECT_LT(countColour(first, cold), 100);

    options.classIndex = 285;
    const QImage second = renderReport(result, options);
    EXPECT_GT(countColour(second, cold), 100 * 100);
    EXPECT_LT(countColour(second, hot), 100);
}

TEST(ReportImage, GuidedMethodsShowTheirExplanationImage)
{
    const AnalysisResult result = syntheticResult();
    ReportOptions options;
    options.method = QStringLiteral("guided");
    options.classIndex = 281;
    const QImage report = renderReport(result, options);
    const QImage explanation = guidedImage(result.cams[2]);
    ASSERT_FALSE(explanation.isNull());
    EXPECT_GT(countColour(report, explanation.pixel(kSize / 2, kSize / 2)), 100 * 100);
}

TEST(ReportImage, NoInputImageGivesANullReport)
{
    AnalysisResult result = syntheticResult();
    result.input = QImage();
    EXPECT_TRUE(renderReport(result, ReportOptions{}).isNull());
}

}  // namespace
}  // namespace convlens
