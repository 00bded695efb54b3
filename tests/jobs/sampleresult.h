#pragma once
// A fully populated AnalysisResult for cache tests, with every field set to a value derived from `seed`, and a
// field-by-field comparison.

#include "core/inspect/analysisresult.h"

#include <gtest/gtest.h>

#include <random>

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
        for (int t = 0; t < tiles; ++t)
            layer.tiles.push_back(ChannelTile{t * 3, uni(rng), noiseImage(side, side, QImage::Format_Grayscale8, rng)});
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
    cam.faithfulness = Faithfulness{0.9f, 0.4f, 0.55f, 0.0f};
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

inline void expectSameResult(const AnalysisResult& a, const AnalysisResult& b)
{
    EXPECT_EQ(a.imageSha256, b.imageSha256);
    EXPECT_EQ(a.modelId, b.modelId);
    EXPECT_EQ(a.weights, b.weights);
    expectSameImage(a.input, b.input);
    ASSERT_EQ(a.prediction.top.size(), b.prediction.top.size());
    for (size_t i = 0; i < a.prediction.top.size(); ++i) {
        EXPECT_EQ(a.prediction.top[i].index, b.prediction.top[i].index);
        EXPECT_EQ(a.prediction.top[i].label, b.prediction.top[i].label);
        EXPECT_EQ(a.prediction.top[i].probability, b.prediction.top[i].probability);
    }
    EXPECT_EQ(a.prediction.logits, b.prediction.logits);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const LayerResult& x = a.layers[i];
        const LayerResult& y = b.layers[i];
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.shape, y.shape);
        ASSERT_EQ(x.channels.size(), y.channels.size());
        for (size_t c = 0; c < x.channels.size(); ++c) {
            EXPECT_EQ(x.channels[c].mean, y.channels[c].mean);
            EXPECT_EQ(x.channels[c].max, y.channels[c].max);
            EXPECT_EQ(x.channels[c].sparsity, y.channels[c].sparsity);
            EXPECT_EQ(x.channels[c].dead, y.channels[c].dead);
        }
        EXPECT_EQ(x.histogram, y.histogram);
        EXPECT_EQ(x.histogramMin, y.histogramMin);
        EXPECT_EQ(x.histogramMax, y.histogramMax);
        EXPECT_EQ(x.sparsity, y.sparsity);
        EXPECT_EQ(x.deadChannels, y.deadChannels);
        ASSERT_EQ(x.tiles.size(), y.tiles.size());
        for (size_t t = 0; t < x.tiles.size(); ++t) {
            EXPECT_EQ(x.tiles[t].channel, y.tiles[t].channel);
            EXPECT_EQ(x.tiles[t].mean, y.tiles[t].mean);
            expectSameImage(x.tiles[t].image, y.tiles[t].image);
        }
    }
    ASSERT_EQ(a.cams.size(), b.cams.size());
    for (size_t i = 0; i < a.cams.size(); ++i) {
        const CamResult& x = a.cams[i];
        const CamResult& y = b.cams[i];
        EXPECT_EQ(x.method, y.method);
        EXPECT_EQ(x.classIndex, y.classIndex);
        EXPECT_EQ(x.label, y.label);
        EXPECT_EQ(x.layer, y.layer);
        EXPECT_EQ(x.gridHeight, y.gridHeight);
        EXPECT_EQ(x.gridWidth, y.gridWidth);
        EXPECT_EQ(x.grid, y.grid);
        EXPECT_EQ(x.heatmapSize, y.heatmapSize);
        EXPECT_EQ(x.heatmap, y.heatmap);
        EXPECT_EQ(x.guided, y.guided);
        EXPECT_EQ(x.faithfulness.confidence, y.faithfulness.confidence);
        EXPECT_EQ(x.faithfulness.maskedConfidence, y.faithfulness.maskedConfidence);
        EXPECT_EQ(x.faithfulness.drop, y.faithfulness.drop);
        EXPECT_EQ(x.faithfulness.increase, y.faithfulness.increase);
    }
    EXPECT_EQ(a.timingsMs, b.timingsMs);
}

}  // namespace convlens::testing
