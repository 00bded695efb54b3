#pragma once
// AnalysisResult: everything ConvLens shows for one image and one model, as plain data (no torch types), so the
// UI, reports, CLI and caches can hold it. Produced by the Analyzer on a worker thread, then shared read-only
// (std::shared_ptr<const AnalysisResult>) across threads.
//
// Each result struct is described once, by the Fields<T> specialisation after it (resultfields.h): the disk codec,
// the size estimate, the command line's JSON and the tests' equality all follow from that list, so a new field is
// added to the struct and to its list, nothing else (the codec's version number is bumped, resultcodec.h).

#include "core/inspect/predictor.h"
#include "core/inspect/resultfields.h"

#include <QImage>
#include <QString>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace convlens {

// How the attribution methods run: pytorch-grad-cam's smoothing options, Integrated Gradients' path, Occlusion's
// window, and whether ROAD is measured. Part of AnalysisOptions (and of the user's settings).
struct MethodOptions {
    // Layer CAM methods (Grad-CAM ... Score-CAM, and guided Grad-CAM's mask) as pytorch-grad-cam's aug_smooth: the
    // mean of the normalised maps of the image flipped or not × intensity 0.9, 1, 1.1 (six passes, each map
    // flipped back). The input-space methods ignore it.
    bool augSmooth = false;
    // Layer CAM methods as pytorch-grad-cam's eigen_smooth: the first principal component of the weighted
    // activations instead of their sum over channels (EigenCAM is that already).
    bool eigenSmooth = false;
    int integratedGradientsSteps = 32;  // points of the trapezoidal path integral (at least 2)
    // The path's start: "black" (the black image), "blurred" (the image under a Gaussian blur, sigma
    // kBlurredBaselineSigma pixels) or "mean" (0 in the normalised input: the dataset's mean image, Captum's
    // default).
    std::string integratedGradientsBaseline = "black";
    int occlusionWindow = 32;  // Occlusion's square window, in pixels of the crop
    int occlusionStride = 16;  // its step
    // ROAD (remove and debias, Rong et al. 2022) for every map, as pytorch-grad-cam's ROADCombined: 18 imputed
    // forward passes per map (RoadScores).
    bool road = false;
};

// The known Integrated Gradients baselines, for messages and option lists.
inline const std::vector<std::string>& integratedGradientsBaselines()
{
    static const std::vector<std::string> names = {"black", "blurred", "mean"};
    return names;
}
inline constexpr double kBlurredBaselineSigma = 16.0;
inline constexpr int kMaxIntegratedGradientsSteps = 1024;
// ROAD's percentiles (pytorch-grad-cam's ROADCombined default).
inline const std::vector<int>& roadPercentiles()
{
    static const std::vector<int> percentiles = {10, 20, 30, 40, 50, 60, 70, 80, 90};
    return percentiles;
}

// What to compute. key() is part of the cache key: every field that changes the result is in it.
struct AnalysisOptions {
    std::vector<std::string> taps;  // block names whose outputs are summarised; empty = all taps of the spec
    int tilesPerLayer = 16;         // strongest channels rendered as tiles; 0 = all channels
    bool sharedTileScale = false;   // one 8-bit scale for the whole layer instead of one per channel
    int histogramBins = 64;
    int topK = 5;                      // classes predicted and explained
    std::vector<std::string> methods;  // method ids of the catalogue (methodcatalogue.h); empty = none
    std::string camLayer;              // block or stage name; empty = the spec's cam_target
    int scoreCamBatch = 32;            // masked images per forward pass in Score-CAM
    bool faithfulness = true;          // measure each map's faithfulness (one masked forward per map)
    std::vector<int> camClasses;       // classes explained in addition to the top-K (compare mode: the same class
                                       // for every model), in this order after the top-K ones
    MethodOptions methodOptions;
    bool keepActivations = false;  // each tap's whole output in LayerResult::activations (for .npy export)

    std::string key() const;
};

// ClassScore and Prediction are declared with the Predictor; they are described here with the other results.
template <>
struct Fields<ClassScore> {
    static constexpr std::tuple list{
        field("index", &ClassScore::index),
        field("label", &ClassScore::label),
        field("probability", &ClassScore::probability),
    };
};

template <>
struct Fields<Prediction> {
    static constexpr std::tuple list{
        field("predictions", &Prediction::top),
        field("logits", &Prediction::logits).only(JsonScope::FullLogits),
    };
};

struct ChannelStats {
    float mean = 0.0f;
    float max = 0.0f;
    float sparsity = 0.0f;  // fraction of exact zeros
    bool dead = false;      // all values zero (or constant at the minimum)
};

template <>
struct Fields<ChannelStats> {
    static constexpr std::tuple list{
        field("mean", &ChannelStats::mean),
        field("max", &ChannelStats::max),
        field("sparsity", &ChannelStats::sparsity),
        field("dead", &ChannelStats::dead).omitted(),
    };
};

struct ChannelTile {
    int channel = 0;
    float mean = 0.0f;
    QImage image;        // Format_Grayscale8, the channel's H×W, on the scale AnalysisOptions::sharedTileScale chose
    QImage sharedImage;  // the same on the layer's scale [histogramMin, histogramMax], whatever the option, so a
                         // view toggles between the two without a new analysis
};

template <>
struct Fields<ChannelTile> {
    static constexpr std::tuple list{
        field("channel", &ChannelTile::channel),
        field("mean", &ChannelTile::mean),
        field("image", &ChannelTile::image).omitted(),
        field("shared_image", &ChannelTile::sharedImage).omitted(),
    };
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
    std::vector<float> activations;  // the whole output (shape above, row-major) with
                                     // AnalysisOptions::keepActivations; else empty
};

template <>
struct Fields<LayerResult> {
    static constexpr std::tuple list{
        field("name", &LayerResult::name),
        field("shape", &LayerResult::shape),
        field("channel", &LayerResult::channels).columns().in("stats"),  // channel_mean, channel_max, ...
        field("counts", &LayerResult::histogram).in("stats/histogram"),
        field("min", &LayerResult::histogramMin).in("stats/histogram"),
        field("max", &LayerResult::histogramMax).in("stats/histogram"),
        field("sparsity", &LayerResult::sparsity).in("stats"),
        field("dead_channels", &LayerResult::deadChannels).in("stats"),
        field("top_channels", &LayerResult::tiles),
        field("activations", &LayerResult::activations).omitted(),  // written as .npy, named in "arrays"
    };
};

// "512×7×7": a tensor shape for display, its sizes joined by `separator`.
QString shapeText(const std::vector<int64_t>& shape, const QString& separator = QStringLiteral("×"));

// ROAD (remove and debias; Rong et al. 2022, as pytorch-grad-cam's ROAD metrics with ClassifierOutputSoftmaxTarget):
// at each percentile p of roadPercentiles(), the class's softmax probability after the pixels at or above the
// map's p-th percentile (most relevant first, MoRF) or below its (100 − p)-th percentile of (1 − map) (least
// relevant first, LeRF) are replaced by a noisy linear imputation from their neighbours, minus the probability on
// the image. A faithful map: large drops removing the most relevant pixels, small ones removing the least.
struct RoadScores {
    std::vector<int> percentiles;
    std::vector<float> mostRelevantFirst;   // probability change per percentile (negative: a drop)
    std::vector<float> leastRelevantFirst;
    float combined = 0.0f;  // ROADCombined: (mean LeRF − mean MoRF) / 2; higher is more faithful
    bool measured = false;  // false: not asked (MethodOptions::road off) or not yet measured
};

template <>
struct Fields<RoadScores> {
    static constexpr std::tuple list{
        field("percentiles", &RoadScores::percentiles),
        field("most_relevant_first", &RoadScores::mostRelevantFirst),
        field("least_relevant_first", &RoadScores::leastRelevantFirst),
        field("combined", &RoadScores::combined),
        field("measured", &RoadScores::measured),
    };
};

struct Faithfulness {
    float confidence = 0.0f;        // the class's softmax probability on the image
    float maskedConfidence = 0.0f;  // ... on image × heatmap
    float drop = 0.0f;              // max(0, confidence - masked), absolute (pytorch-grad-cam DropInConfidence)
    float increase = 0.0f;          // masked > confidence ? 1 : 0 (IncreaseInConfidence)
    bool measured = false;          // false: not measured (AnalysisOptions::faithfulness off, or not yet: a
                                    // result delivered before the faithfulness stage); the numbers are then 0
};

template <>
struct Fields<Faithfulness> {
    static constexpr std::tuple list{
        field("confidence", &Faithfulness::confidence),
        field("masked_confidence", &Faithfulness::maskedConfidence),
        field("drop", &Faithfulness::drop),
        field("increase", &Faithfulness::increase),
        field("measured", &Faithfulness::measured),
    };
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
    // Integrated Gradients' convergence delta (Captum's): the sum of the attributions minus the class logit's change
    // from the baseline to the image; near 0 when the path integral converged. 0 for the other methods.
    float convergenceDelta = 0.0f;
    RoadScores road;
};

template <>
struct Fields<CamResult> {
    static constexpr std::tuple list{
        field("method", &CamResult::method),
        field("class_index", &CamResult::classIndex),
        field("label", &CamResult::label),
        field("layer", &CamResult::layer),
        field("grid_height", &CamResult::gridHeight).omitted(),  // the JSON grid's rows show both
        field("grid_width", &CamResult::gridWidth).omitted(),
        field("grid", &CamResult::grid).rows(&CamResult::gridWidth),
        field("heatmap_size", &CamResult::heatmapSize).omitted(),
        field("heatmap", &CamResult::heatmap).omitted(),
        field("guided", &CamResult::guided).omitted(),
        field("faithfulness", &CamResult::faithfulness),
        field("convergence_delta", &CamResult::convergenceDelta),
        field("road", &CamResult::road),
    };
};

struct AnalysisResult {
    std::string imageSha256;
    std::string modelId;
    std::string weights;  // the checkpoint path, empty when untrained
    QImage input;         // the resized and cropped RGB888 image the network saw
    Prediction prediction;
    std::vector<LayerResult> layers;
    std::vector<CamResult> cams;
    std::map<std::string, double> timingsMs;  // stage → milliseconds; "forward reused": what the forward pass this
                                              // analysis reused took when it ran ("forward" is then ~0)

    // The map of `method` for `classIndex`, or nullptr when this result has none.
    const CamResult* findCam(const QString& method, int classIndex) const;
};

// The JSON object also holds "image" (the path given) and, for `analyze`, "cached" (resultjson.h).
template <>
struct Fields<AnalysisResult> {
    static constexpr std::tuple list{
        field("sha256", &AnalysisResult::imageSha256),
        field("model", &AnalysisResult::modelId),
        field("weights", &AnalysisResult::weights).nullWhenEmpty(),
        field("input", &AnalysisResult::input).omitted(),
        field("prediction", &AnalysisResult::prediction).inlined(),
        field("layers", &AnalysisResult::layers).only(JsonScope::Analyze),
        field("cams", &AnalysisResult::cams).only(JsonScope::Analyze),
        field("timings_ms", &AnalysisResult::timingsMs).only(JsonScope::Analyze),
    };
};

}  // namespace convlens
