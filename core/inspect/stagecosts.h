#pragma once
// Stage costs of one analysis (core/inspect/analyzer.cpp runs the stages). Torch-free constants and arithmetic;
// any thread.

#include "core/inspect/analysisresult.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace convlens {

// The expected cost of each stage of an analysis in units of the stage "forward" (one forward pass recording the
// taps, = 1): the analyzer's progress weights, and the window's "about 2 min" before a slow method runs. Measured from the
// stage timings every result carries (`timingsMs`; `convlens-cli analyze IMAGE --model ID --untrained --threads 1
// --methods <all nine> --no-cache --json -` prints them as timings_ms, to measure again) over this Release build: Debian 12, LibTorch 1.13.1, 2-core VM, 1 intra-op thread;
// Analyzer::analyze of resources/samples/chelsea.jpg (451×300) with every method, the default options (top-5, the
// spec's taps, 16 tiles, Score-CAM batch 32) and untrained weights, for resnet18 (forward 48 ms), mobilenet_v3_large
// (25 ms) and convnext_tiny (132 ms); the faster of two runs after a warm-up. Each weight is the mean over the three
// models of stage time / forward time, per unit it scales with; per model:
//   stage                        resnet18  mobilenet_v3_large  convnext_tiny
//   preprocess                   0.025     0.105               0.013
//   feature maps, per tap        0.026     0.033               0.015
//   gradients, per class         0.006     0.043               0.004
//   guided backprop, per class   1.75      1.80                2.07
//   faithfulness, per map        1.37      1.11                2.03
//   Score-CAM, per channel       1.38      1.35                1.81
//   Grad-CAM, per class          0.010     0.021               0.006  (the other layer methods alike)
inline constexpr double kPreprocessCost = 0.05;          // per analysis
inline constexpr double kPredictionsCost = 0.0;          // softmax and top-K of 1000 logits: within the forward's noise
inline constexpr double kFeatureMapsCostPerTap = 0.025;  // statistics, histogram and 16 tiles of one tap
inline constexpr double kGradientsCostPerClass = 0.018;  // head-only backward from the CAM layer
inline constexpr double kGuidedCostPerClass = 1.9;       // guided backward through the whole network
inline constexpr double kFaithfulnessCostPerMap = 1.5;   // one masked image through the network
inline constexpr double kScoreCamCostPerChannel = 1.5;   // Score-CAM: one masked image per channel of the CAM layer
// Faster Score-CAM's channels (core/inspect/cam_scorecam.cpp): it scores at most this many.
inline constexpr int64_t kFasterScoreCamChannels = 64;
inline constexpr double kOcclusionCostPerWindow = 1.5;  // Occlusion: one occluded image per window position, as Score-CAM
// ROAD: per map 18 imputed images through the network (9 percentiles, both orders), and a sparse solve each.
inline constexpr double kRoadCostPerMap = 18 * 2.0;
// The other methods combine the stored activations and gradients (id, cost per class).
inline constexpr std::pair<std::string_view, double> kCamCostPerClass[] = {
    {"gradcam", 0.012},  {"gradcampp", 0.021}, {"xgradcam", 0.011}, {"layercam", 0.011},
    {"hirescam", 0.010}, {"eigencam", 0.020},  {"guided", 0.023},   {"guidedgradcam", 0.034},
    // These run the network themselves: a forward and backward pass per class (as guided backprop), and per class
    // and step of the path (Integrated Gradients' cost per step).
    {"gradinput", 1.9},  {"integratedgradients", 1.9},
};
// The three measured models' CAM layers have 512, 960 and 768 channels: the estimate for Score-CAM's share until
// the forward pass has told the real count.
inline constexpr int64_t kEstimatedCamChannels = 768;

// Occlusion's window starts along one axis of `size` pixels (Captum's: ceil((size − window) / stride) + 1 of them,
// the last windows clipped at the border). Shared by the method and its cost.
std::vector<int64_t> occlusionStarts(int64_t size, int64_t window, int64_t stride);

// The expected cost of method `id` for `classes` classes with `channels` channels at the CAM layer, run with
// `options` on a crop of `crop` pixels. aug_smooth runs a layer method six times, five of them with a forward
// pass to the CAM layer and the head's backward.
double camCost(const std::string& id, int64_t classes, int64_t channels, const MethodOptions& options = {},
               int64_t crop = 224);

// The whole analysis in forward passes: every stage analyze() runs for `methods` (ids of the method catalogue)
// with `classes` explained, `taps` summarised and `camChannels` channels at the CAM layer, with `options` on a
// crop of `crop` pixels, faithfulness measured. Times the forward pass of this model on this machine (a result's
// timingsMs["forward"]), it says how long the analysis will take.
double analysisCostInForwards(const std::vector<std::string>& methods, int64_t classes, int64_t taps,
                              int64_t camChannels, const MethodOptions& options = {}, int64_t crop = 224);

}  // namespace convlens
