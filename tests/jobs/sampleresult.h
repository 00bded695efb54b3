#pragma once
// A fully populated AnalysisResult for cache and JSON tests, with every field set to a value derived from `seed`,
// and a field-by-field comparison.

#include "core/inspect/analysisresult.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace convlens::testing {

inline QImage noiseImage(int w, int h, QImage::Format format, std::mt19937& rng)
{
    QImage img(w, h, format);
    const int rowBytes = (w * img.depth() + 7) / 8;
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < rowBytes; ++x)
            line[x] = static_cast<uchar>(rng() & 0xff);
    }
    return img;
}

// `layers` layers of `tiles` tiles (side×side Grayscale8 each): memory grows with both, for the byte-bound tests.
inline AnalysisResult sampleResult(unsigned seed, int layers = 2, int tiles = 3, int side = 14)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-3.0f, 3.0f);
    AnalysisResult r;
    r.imageSha256 = "sha-" + std::to_string(seed);
    r.modelId = "resnet18";
    r.weights = "/weights/resnet18-f37072fd.pth";
    r.input = noiseImage(32, 24, QImage::Format_RGB888, rng);
    for (int k = 0; k < 5; ++k)
        r.prediction.top.push_back(ClassScore{static_cast<int>(rng() % 1000), "class " + std::to_string(k), uni(rng)});
    for (int i = 0; i < 1000; ++i)
        r.prediction.logits.push_back(uni(rng));
    for (int l = 0; l < layers; ++l) {
        LayerResult layer;
        layer.name = "layer" + std::to_string(l + 1);
        layer.shape = {64, side, side};
        for (int c = 0; c < 64; ++c)
            layer.channels.push_back(ChannelStats{uni(rng), uni(rng), uni(rng), (rng() & 1) != 0});
        for (int b = 0; b < 64; ++b)
            layer.histogram.push_back(uni(rng));
        layer.histogramMin = -1.5f;
        layer.histogramMax = 7.25f;
        layer.sparsity = 0.5f;
        layer.deadChannels = l;
        for (int t = 0; t < tiles; ++t) {
            const float mean = uni(rng);
            QImage own = noiseImage(side, side, QImage::Format_Grayscale8, rng);
            layer.tiles.push_back(
                ChannelTile{t * 3, mean, own, noiseImage(side, side, QImage::Format_Grayscale8, rng)});
        }
        if (l == 0) {
            // A layer kept whole (AnalysisOptions::keepActivations); a few values stand for its output here.
            layer.activations.resize(12);
            for (float& v : layer.activations)
                v = uni(rng);
        }
        r.layers.push_back(std::move(layer));
    }
    CamResult cam;
    cam.method = "gradcam";
    cam.classIndex = 281;
    cam.label = "tabby";
    cam.layer = "layer4";
    cam.gridHeight = 7;
    cam.gridWidth = 7;
    for (int i = 0; i < 49; ++i)
        cam.grid.push_back(uni(rng));
    cam.heatmapSize = 16;
    for (int i = 0; i < 256; ++i)
        cam.heatmap.push_back(uni(rng));
    cam.faithfulness = Faithfulness{0.9f, 0.4f, 0.55f, 0.0f, true};
    cam.road = RoadScores{{10, 50, 90}, {-0.5f, -0.25f, uni(rng)}, {-0.125f, 0.0f, 0.25f}, 0.25f, true};
    r.cams.push_back(cam);
    cam.method = "guided";
    cam.layer = "input";
    for (int i = 0; i < 3 * 256; ++i)
        cam.guided.push_back(uni(rng) - 0.5f);
    r.cams.push_back(cam);
    r.timingsMs = {{"forward", 12.5 + seed}, {"cam", 3.0625}};
    return r;
}

inline void expectSameImage(const QImage& a, const QImage& b)
{
    ASSERT_EQ(a.isNull(), b.isNull());
    ASSERT_EQ(a.format(), b.format());
    ASSERT_EQ(a.size(), b.size());
    const int rowBytes = (a.width() * a.depth() + 7) / 8;
    for (int y = 0; y < a.height(); ++y)
        ASSERT_EQ(0, memcmp(a.constScanLine(y), b.constScanLine(y), rowBytes)) << "row " << y;
}

// Field-by-field equality, driven by the Fields<T> descriptions (analysisresult.h): numbers compared exactly,
// images pixel by pixel. A failure names the field's path, e.g. "layers[1].top_channels[0].image".
template <typename T>
concept ComparedWhole = std::is_arithmetic_v<T> || std::is_same_v<T, std::string>;

template <ComparedWhole T>
void expectSame(const T& a, const T& b, const std::string& path);
inline void expectSame(const QImage& a, const QImage& b, const std::string& path);
inline void expectSame(const std::map<std::string, double>& a, const std::map<std::string, double>& b,
                       const std::string& path);
template <typename T>
void expectSame(const std::vector<T>& a, const std::vector<T>& b, const std::string& path);
template <Described T>
void expectSame(const T& a, const T& b, const std::string& path);

template <ComparedWhole T>
void expectSame(const T& a, const T& b, const std::string& path)
{
    EXPECT_EQ(a, b) << path;
}

inline void expectSame(const QImage& a, const QImage& b, const std::string& path)
{
    SCOPED_TRACE(path);
    expectSameImage(a, b);
}

inline void expectSame(const std::map<std::string, double>& a, const std::map<std::string, double>& b,
                       const std::string& path)
{
    EXPECT_EQ(a, b) << path;
}

template <typename T>
void expectSame(const std::vector<T>& a, const std::vector<T>& b, const std::string& path)
{
    if constexpr (ComparedWhole<T>) {
        EXPECT_EQ(a, b) << path;
    } else {
        ASSERT_EQ(a.size(), b.size()) << path;
        for (std::size_t i = 0; i < a.size(); ++i)
            expectSame(a[i], b[i], path + "[" + std::to_string(i) + "]");
    }
}

template <Described T>
void expectSame(const T& a, const T& b, const std::string& path)
{
    forEachField<T>([&](const auto& f) {
        expectSame(a.*f.member, b.*f.member, path.empty() ? std::string(f.name) : path + "." + f.name);
    });
}

inline void expectSameResult(const AnalysisResult& a, const AnalysisResult& b)
{
    expectSame(a, b, std::string());
}

}  // namespace convlens::testing
