#pragma once
// AnalysisResult: everything ConvLens shows for one image and one model, as plain data (no torch types), so the
// UI, reports, CLI and caches can hold it. Produced by the Analyzer on a worker thread, then shared read-only
// (std::shared_ptr<const AnalysisResult>) across threads.

#include "core/inspect/predictor.h"

#include <QImage>
#include <QString>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace convlens {

// What to compute. key() is part of the cache key: every field that changes the result is in it.
struct AnalysisOptions {
    std::vector<std::string> taps;  // block names whose outputs are summarised; empty = all taps of the spec
    int tilesPerLayer = 16;         // strongest channels rendered as tiles; 0 = all channels
    bool sharedTileScale = false;   // one 8-bit scale for the whole layer instead of one per channel
    int histogramBins = 64;
    int topK = 5;                      // classes predicted and explained
    std::vector<std::string> methods;  // CAM method ids (gradcam, gradcampp, xgradcam, layercam, hirescam, eigencam,
                                       // scorecam, guided, guidedgradcam); empty = none
    std::string camLayer;              // block or stage name; empty = the spec's cam_target
    int scoreCamBatch = 32;            // masked images per forward pass in Score-CAM
    std::vector<int> camClasses;       // classes explained in addition to the top-K (compare mode: the same class
                                       // for every model), in this order after the top-K ones

    std::string key() const;
};

struct ChannelStats {
    float mean = 0.0f;
    float max = 0.0f;
    float sparsity = 0.0f;  // fraction of exact zeros
    bool dead = false;      // all values zero (or constant at the minimum)
};

struct ChannelTile {
    int channel = 0;
    float mean = 0.0f;
    QImage image;  // Format_Grayscale8, the channel's H×W
};

struct LayerResult {
    std::string name;            // block name
    std::vector<int64_t> shape;  // output shape without the batch dimension, e.g. {512, 7, 7}
    std::vector<ChannelStats> channels;
    std::vector<float> histogram;  // counts per bin over [histogramMin, histogramMax]
    float histogramMin = 0.0f;
    float histogramMax = 0.0f;
    float sparsity = 0.0f;  // fraction of zeros over the whole layer
    int deadChannels = 0;
    std::vector<ChannelTile> tiles;  // strongest channels by mean, strongest first
};

// "512×7×7": a tensor shape for display, its sizes joined by `separator`.
QString shapeText(const std::vector<int64_t>& shape, const QString& separator = QStringLiteral("×"));

struct Faithfulness {
    float confidence = 0.0f;        // the class's softmax probability on the image
    float maskedConfidence = 0.0f;  // ... on image × heatmap
    float drop = 0.0f;              // max(0, confidence - masked), absolute (pytorch-grad-cam DropInConfidence)
    float increase = 0.0f;          // masked > confidence ? 1 : 0 (IncreaseInConfidence)
};

// One explanation of one class. Layer methods (Grad-CAM ... Score-CAM) fill grid and heatmap. The input-space
// methods guided backprop ("guided") and guided Grad-CAM ("guidedgradcam") also fill `guided`, the explanation as
// an image; their grid is its saliency max_c |guided| at the crop's resolution, and their layer is "input" (guided)
// or the block of the Grad-CAM mask (guidedgradcam).
struct CamResult {
    std::string method;
    int classIndex = 0;
    std::string label;
    std::string layer;  // block the map was computed at
    int gridHeight = 0;
    int gridWidth = 0;
    std::vector<float> grid;     // raw map at the layer's resolution (after ReLU, before normalisation)
    int heatmapSize = 0;         // the crop size
    std::vector<float> heatmap;  // min-max normalised to [0,1], bilinearly upsampled to heatmapSize²
    std::vector<float> guided;   // input-space methods: 3×heatmapSize² (channels first, RGB), the raw gradient
                                 // image in the normalised input's units; render with guidedImage(); else empty
    Faithfulness faithfulness;
};

struct AnalysisResult {
    std::string imageSha256;
    std::string modelId;
    std::string weights;  // the checkpoint path, empty when untrained
    QImage input;         // the resized and cropped RGB888 image the network saw
    Prediction prediction;
    std::vector<LayerResult> layers;
    std::vector<CamResult> cams;
    std::map<std::string, double> timingsMs;  // stage → milliseconds

    // The map of `method` for `classIndex`, or nullptr when this result has none.
    const CamResult* findCam(const QString& method, int classIndex) const;
};

}  // namespace convlens
