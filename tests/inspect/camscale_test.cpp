// The shared heatmap scale (core/inspect/camscale.h): with a map's own minimum and maximum it reproduces the
// Analyzer's heatmap; on one scale, maps keep their relative strength; the upsampling (BilinearResize) is
// LibTorch's bilinear one, bit for bit.

#include "core/inspect/camscale.h"
#include "core/inspect/bilinearresize.h"
#include "core/inspect/cammethod.h"
#include "core/inspect/analyzer.h"
#include "core/models/networkfactory.h"
#include "core/registry/modelregistry.h"
#include "tests/models/modelfixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>

using namespace convlens;

namespace {

CamResult syntheticCam(int height, int width, int size, float factor)
{
    CamResult cam;
    cam.gridHeight = height;
    cam.gridWidth = width;
    cam.heatmapSize = size;
    for (int i = 0; i < height * width; ++i)
        cam.grid.push_back(factor * static_cast<float>((i * 11) % (height * width)));  // 0 .. n-1, shuffled
    return cam;
}

float maxOf(const std::vector<float>& v)
{
    return *std::max_element(v.begin(), v.end());
}

}  // namespace

TEST(CamScale, OwnMinimumAndMaximumReproduceTheHeatmap)
{
    auto registry = ModelRegistry::loadFile(std::string(CONVLENS_SOURCE_DIR) + "/model_registry.yaml");
    ASSERT_TRUE(registry) << registry.message();
    auto fixture = test::readModelFixture("resnet18");
    ASSERT_TRUE(fixture) << fixture.message();
    auto analyzer = Analyzer::create(*registry->find("resnet18"), QString::fromStdString(fixture->weightsPath));
    ASSERT_TRUE(analyzer) << analyzer.message();
    QImage image(320, 240, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb(x % 256, (y * 3) % 256, (x * y) % 256));
    AnalysisOptions options;
    options.taps = {"layer4.1"};
    options.methods = {"gradcam", "layercam", "guided"};  // 7×7 grids and the 224×224 guided saliency
    options.topK = 2;
    auto result = analyzer->analyze(image, options);
    ASSERT_TRUE(result) << result.message();
    ASSERT_EQ(result->cams.size(), 6u);
    for (const CamResult& cam : result->cams) {
        SCOPED_TRACE(cam.method + " class " + std::to_string(cam.classIndex));
        ASSERT_GT(maxOf(cam.grid), 0.0f) << "an empty map would prove nothing";
        const CamScale own = sharedCamScale({&cam});
        EXPECT_EQ(own.low, *std::min_element(cam.grid.begin(), cam.grid.end()));
        EXPECT_EQ(own.high, maxOf(cam.grid));
        const std::vector<float> scaled = scaledHeatmap(cam, own);
        ASSERT_EQ(scaled.size(), cam.heatmap.size());
        float worst = 0.0f;
        for (size_t i = 0; i < scaled.size(); ++i)
            worst = std::max(worst, std::abs(scaled[i] - cam.heatmap[i]));
        EXPECT_LE(worst, 1e-5f);
    }
}

TEST(CamScale, OneScaleKeepsMapsInProportion)
{
    const CamResult strong = syntheticCam(5, 5, 40, 1.0f);
    const CamResult weak = syntheticCam(5, 5, 40, 0.25f);
    const CamScale shared = sharedCamScale({&weak, nullptr, &strong});
    EXPECT_EQ(shared.low, 0.0f);
    EXPECT_EQ(shared.high, 24.0f);
    const std::vector<float> a = scaledHeatmap(strong, shared), b = scaledHeatmap(weak, shared);
    ASSERT_EQ(a.size(), 1600u);
    ASSERT_EQ(b.size(), 1600u);
    // Bilinear samples miss the cell centres, so the strongest pixel is a little under the grid's maximum.
    EXPECT_GT(maxOf(a), 0.9f);
    EXPECT_NEAR(maxOf(b), 0.25f * maxOf(a), 1e-6f);
    for (size_t i = 0; i < a.size(); ++i)
        ASSERT_NEAR(b[i], 0.25f * a[i], 1e-6f) << i;
    // Each on its own scale, the weak map is stretched to look as strong as the other.
    const std::vector<float> stretched = scaledHeatmap(weak, sharedCamScale({&weak}));
    for (size_t i = 0; i < a.size(); ++i)
        ASSERT_NEAR(stretched[i], a[i], 1e-5f) << i;
    // Values beyond the scale are clamped.
    for (float v : scaledHeatmap(strong, CamScale{6.0f, 12.0f}))
        ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}

// Rectangular grids and downsampling too: the same sampling as torch's bilinear interpolate (align_corners false).
TEST(CamScale, UpsamplesAsTorchBilinear)
{
    for (const auto& [h, w, size] : std::vector<std::tuple<int, int, int>>{{3, 5, 16}, {7, 7, 224}, {14, 9, 10}}) {
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " -> " + std::to_string(size));
        CamResult cam = syntheticCam(h, w, size, 1.0f);
        const float n = static_cast<float>(h * w - 1);
        namespace F = torch::nn::functional;
        const torch::Tensor expected = F::interpolate(torch::tensor(cam.grid).view({1, 1, h, w}) / (1e-7f + n),
                                                      F::InterpolateFuncOptions()
                                                          .size(std::vector<int64_t>{size, size})
                                                          .mode(torch::kBilinear)
                                                          .align_corners(false))
                                           .flatten();
        const std::vector<float> scaled = scaledHeatmap(cam, sharedCamScale({&cam}));
        ASSERT_EQ(scaled.size(), static_cast<size_t>(size * size));
        EXPECT_LE((torch::tensor(scaled) - expected).abs().max().item<float>(), 1e-5f);
    }
}

// The Analyzer scales all K maps of a method in one interpolation: the same numbers as scaling one map at a time
// (pytorch-grad-cam's formula with torch's bilinear resize, written out below), bit for bit, for maps of different
// ranges (a constant one included) and grids that are not square.
TEST(CamScale, AllMapsAtOnceEqualOneAtATime)
{
    namespace F = torch::nn::functional;
    const auto oneMap = [](const torch::Tensor& grid, int64_t size) {
        torch::Tensor m = grid - grid.min();
        m = m / (1e-7 + m.max());
        return F::interpolate(m.view({1, 1, m.size(0), m.size(1)}), F::InterpolateFuncOptions()
                                                                        .size(std::vector<int64_t>{size, size})
                                                                        .mode(torch::kBilinear)
                                                                        .align_corners(false))
            .view({size, size});
    };
    torch::manual_seed(7);
    for (const auto& [k, h, w, size] :
         std::vector<std::tuple<int, int, int, int>>{{3, 7, 7, 224}, {1, 14, 9, 240}, {5, 3, 5, 16}}) {
        SCOPED_TRACE(std::to_string(k) + " maps " + std::to_string(h) + "x" + std::to_string(w));
        torch::Tensor grids = torch::relu(torch::randn({k, h, w})) * torch::arange(1, k + 1).view({k, 1, 1});
        if (k > 1)
            grids[1].fill_(0.25f);  // a flat map: scaled to zeros
        const torch::Tensor together = normalisedHeatmaps(grids, size);
        ASSERT_EQ(together.sizes(), (std::vector<int64_t>{k, size, size}));
        for (int64_t i = 0; i < k; ++i) {
            EXPECT_TRUE(torch::equal(together[i], oneMap(grids[i], size))) << "map " << i;
            EXPECT_TRUE(torch::equal(normalisedHeatmap(grids[i], size), oneMap(grids[i], size))) << "map " << i;
        }
    }
}

// BilinearResize against LibTorch's bilinear interpolation of one-channel maps, which the heatmaps used to call:
// bit for bit, over random grid and output sizes (up- and downscaling, square or not, equal sizes), values of
// either sign and size, flat maps and NaN cells.
TEST(BilinearResize, EqualsLibTorchBitForBit)
{
    namespace F = torch::nn::functional;
    const auto torchResize = [](const torch::Tensor& map, int64_t outHeight, int64_t outWidth) {
        return F::interpolate(map.view({1, 1, map.size(0), map.size(1)}),
                              F::InterpolateFuncOptions()
                                  .size(std::vector<int64_t>{outHeight, outWidth})
                                  .mode(torch::kBilinear)
                                  .align_corners(false))
            .view({outHeight, outWidth});
    };
    std::mt19937 random(11);
    torch::manual_seed(11);
    int64_t compared = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const int h = 1 + static_cast<int>(random() % 40), w = 1 + static_cast<int>(random() % 40);
        const int outHeight = trial % 10 == 0 ? h : 1 + static_cast<int>(random() % 320);
        const int outWidth = trial % 4 == 0 ? outHeight : 1 + static_cast<int>(random() % 320);
        // A heatmap's range; either sign, large; tiny with many zeros; flat.
        const std::vector<torch::Tensor> kinds = {torch::rand({h, w}), torch::randn({h, w}) * 1000.0f,
                                                  torch::relu(torch::randn({h, w})) * 1e-6f, torch::full({h, w}, 0.3f)};
        torch::Tensor map = kinds[static_cast<size_t>(trial % 4)];
        if (trial % 25 == 1)
            map[h / 2][w / 2] = std::numeric_limits<float>::quiet_NaN();
        SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " → " + std::to_string(outHeight) + "x" +
                     std::to_string(outWidth));
        const BilinearResize resize(h, w, outHeight, outWidth);
        ASSERT_EQ(resize.outHeight(), outHeight);
        ASSERT_EQ(resize.outWidth(), outWidth);
        const std::vector<float> in(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
        const std::vector<float> ours = resize.apply(in);
        ASSERT_EQ(ours.size(), static_cast<size_t>(outHeight) * static_cast<size_t>(outWidth));
        const torch::Tensor expected = torchResize(map, outHeight, outWidth).contiguous();
        const float* theirs = expected.data_ptr<float>();
        for (size_t i = 0; i < ours.size(); ++i) {
            const bool same =
                std::isnan(theirs[i]) ? std::isnan(ours[i]) : std::memcmp(&ours[i], &theirs[i], sizeof(float)) == 0;
            ASSERT_TRUE(same) << "pixel " << i << ": " << ours[i] << " vs LibTorch's " << theirs[i];
        }
        compared += static_cast<int64_t>(ours.size());
    }
    EXPECT_GT(compared, 1000000);
}

TEST(BilinearResize, WrongInputOrSizesGiveNothing)
{
    const BilinearResize resize(3, 4, 8, 8);
    EXPECT_TRUE(resize.apply(std::vector<float>(11, 1.0f)).empty());
    const BilinearResize none(0, 4, 8, 8);
    EXPECT_EQ(none.outHeight(), 0);
    EXPECT_TRUE(none.apply(std::vector<float>{}).empty());
    EXPECT_TRUE(BilinearResize(3, 4, 0, 8).apply(std::vector<float>(12, 1.0f)).empty());
}

TEST(CamScale, NothingToScan)
{
    const CamScale none = sharedCamScale({});
    EXPECT_EQ(none.low, 0.0f);
    EXPECT_EQ(none.high, 1.0f);
    CamResult empty;
    const CamScale skipped = sharedCamScale({nullptr, &empty});
    EXPECT_EQ(skipped.low, 0.0f);
    EXPECT_EQ(skipped.high, 1.0f);
    CamResult broken = syntheticCam(4, 4, 8, 1.0f);
    broken.grid.pop_back();
    EXPECT_TRUE(scaledHeatmap(broken, CamScale{}).empty());
    EXPECT_TRUE(scaledHeatmap(empty, CamScale{}).empty());
}

TEST(CamScale, ThePeakIsItsShareOfTheScaleAndGuidedMapsHaveNone)
{
    CamResult cam;
    cam.gridHeight = 1;
    cam.gridWidth = 2;
    cam.grid = {1.0f, 3.0f};
    ASSERT_TRUE(peakOnScale(cam, CamScale{1.0f, 5.0f}).has_value());
    EXPECT_DOUBLE_EQ(*peakOnScale(cam, CamScale{1.0f, 5.0f}), 50.0);
    EXPECT_FALSE(peakOnScale(cam, CamScale{2.0f, 2.0f})) << "an empty range";
    cam.guided = {0.5f};
    EXPECT_FALSE(peakOnScale(cam, CamScale{1.0f, 5.0f})) << "a guided method's map is not on the scale";
    cam.guided.clear();
    cam.grid.clear();
    EXPECT_FALSE(peakOnScale(cam, CamScale{1.0f, 5.0f}));
}
