#include "core/inspect/analyzer.h"

#include "core/common/threads.h"
#include "core/common/torchdevice.h"
#include "core/image/preprocess.h"
#include "core/inspect/cammethod.h"
#include "core/inspect/classgradients.h"
#include "core/inspect/guidedbackprop.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/parallelfor.h"
#include "core/inspect/road.h"
#include "core/inspect/stagecosts.h"
#include "core/inspect/topk.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/registry/modelspec.h"
#include "core/weights/weightloader.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <cstring>
#include <exception>
#include <new>
#include <numeric>
#include <string_view>
#include <thread>
#include <utility>

namespace convlens {

// The forward pass of the image analysed last: its input, logits and every block's output. Another analysis of
// the same image (another CAM layer, method or class) reuses it and runs only the network's head from the CAM
// layer for its gradients, instead of the whole network again.
struct KeptForward {
    torch::Tensor input;                           // [1,3,S,S]
    torch::Tensor logits;                          // [numClasses]
    std::map<std::string, torch::Tensor> outputs;  // every block, batch dimension kept
    double forwardMs = 0.0;                        // what the pass took
};

struct Analyzer::State {
    std::shared_ptr<NetworkImpl> net;
    ModelSpec spec;
    std::string weights;
    torch::Device device = torch::kCPU;  // where net lives (core/common/computedevice.h, when it was created)
    std::mutex keptMutex;
    std::shared_ptr<const KeptForward> kept;  // guarded by keptMutex
};

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A block name, or a stage name meaning the stage's last block; "" when neither names a block of `net`. The
// spec's stages list exactly the blocks of `net` (checked in Analyzer::create), so the spec alone decides.
std::string resolveBlock(const ModelSpec& spec, const NetworkImpl& /*net*/, const std::string& name)
{
    return spec.resolveBlock(name);
}

std::vector<float> toVector(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Rows of the model's input a preprocessing band holds at least: on 2 threads a 224-pixel crop is 2 bands of 112
// rows, each of which reads a few source rows more than its share (the filter's support).
constexpr int64_t kPreprocessBandRows = 32;

// A width×height map (row-major floats) scaled from [lo, hi] to [0, 255] as an 8-bit grayscale image: the
// float operations of ((map - lo) / (hi - lo) * 255).round().clamp(0, 255) in torch, element by element (round
// half to even, as torch's round), so the bytes are what the same tensor expression gives.
QImage toGray8(const float* map, int width, int height, float lo, float hi)
{
    QImage image(width, height, QImage::Format_Grayscale8);
    const float range = hi - lo;
    for (int y = 0; y < height; ++y) {
        uchar* line = image.scanLine(y);
        const float* row = map + static_cast<ptrdiff_t>(y) * width;
        for (int x = 0; x < width; ++x) {
            // Clamped first (NaN to 0), then rounded half to even by adding and taking away 2^23, exact for
            // [0, 255]; the same as rounding first, since the bounds are whole numbers.
            const float v = (row[x] - lo) / range * 255.0f;
            const float clamped = v > 0.0f ? std::min(v, 255.0f) : 0.0f;
            line[x] = static_cast<uchar>((clamped + 8388608.0f) - 8388608.0f);
        }
    }
    return image;
}

QImage blackTile(int width, int height)
{
    QImage image(width, height, QImage::Format_Grayscale8);
    image.fill(0);
    return image;
}

// The zero count of each channel of `flat` ([C, N], contiguous float on the CPU) and the histogram of all its
// values over `edges` (bins + 1 increasing floats, torch::linspace's): one pass, channels spread over the intra-op
// threads. Equal to count_nonzero and torch::histc (whose CPU kernel guesses an element's bin by interpolation and
// settles it against the same edges), which together took 4/5 of the layer summaries in two passes that do not
// vectorise. An element is in bin b when edges[b] <= x < edges[b + 1], the last bin also holding edges[bins].
struct ZerosAndHistogram {
    std::vector<int64_t> zeros;    // per channel
    std::vector<float> histogram;  // per bin
};

// The interpolated bin of x, capped to [0, bins - 1] as a float (NaN too), so that its conversion is defined for
// any x; selects only, so that a loop of it vectorises. Off by at most one bin (a few float roundings from the
// exact position), as histc's guess.
inline int guessedBin(float x, float lo, float scale, int bins)
{
    const float maxGuess = static_cast<float>(bins - 1);
    float guess = (x - lo) * scale;
    guess = guess < maxGuess ? guess : maxGuess;
    guess = guess > 0.0f ? guess : 0.0f;
    return static_cast<int>(guess);
}

// The guess b for x settled against the edges: one step down or up, branch-free (b == bins, not counted, stays).
inline int settledBin(float x, int b, const float* edges, int bins)
{
    b -= static_cast<int>((b > 0) & (b < bins) & (x < edges[b]));
    b += static_cast<int>((b < bins - 1) & (x >= edges[std::min(b + 1, bins)]));
    return b;
}

// The bin of every element of row[0, n) (n at most kHistogramChunk) into `out`; `bins` for what is not counted
// (zeros, counted apart; values outside [lo, hi]; NaN). Two loops: the guesses vectorise, the settling does not.
constexpr int64_t kHistogramChunk = 512;

inline void binsOf(const float* row, int64_t n, float lo, float hi, float scale, const float* edges, int bins,
                   int32_t* out)
{
    for (int64_t i = 0; i < n; ++i) {
        const float x = row[i];
        // Bitwise, and the guess made for every x, so that the loop vectorises; false for NaN.
        const int counted = (x != 0.0f) & (x >= lo) & (x <= hi);
        const int guess = guessedBin(x, lo, scale, bins);
        out[i] = counted ? guess : bins;
    }
    for (int64_t i = 0; i < n; ++i)
        out[i] = settledBin(row[i], out[i], edges, bins);
}

ZerosAndHistogram zerosAndHistogram(const torch::Tensor& flat, const std::vector<float>& edges)
{
    const int64_t channels = flat.size(0), area = flat.size(1);
    const int bins = static_cast<int>(edges.size()) - 1;
    const float lo = edges.front(), hi = edges.back();
    const float* data = flat.data_ptr<float>();
    ZerosAndHistogram out;
    out.zeros.assign(static_cast<size_t>(channels), 0);
    std::vector<int64_t> total(static_cast<size_t>(bins), 0);
    std::mutex merge;
    // Grain: about 64 k elements per task, so a small layer stays on one thread.
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, area));
    parallelFor(0, channels, grain, [&](int64_t begin, int64_t end) {
        // Four interleaved sets of counters and one spare bin for what is not counted, so that the loop has no
        // data-dependent branch and no chain of stores to one bin.
        constexpr int kSets = 4;  // s0 … s3 below
        const auto stride = static_cast<size_t>(bins) + 1;
        std::vector<int64_t> sets(kSets * stride, 0);
        int64_t* s0 = sets.data();
        int64_t* s1 = s0 + stride;
        int64_t* s2 = s1 + stride;
        int64_t* s3 = s2 + stride;
        std::vector<int32_t> binned(static_cast<size_t>(kHistogramChunk));
        const float scale = static_cast<float>(bins) / (hi - lo);
        int64_t zerosHere = 0;
        for (int64_t c = begin; c < end; ++c) {
            const float* row = data + c * area;
            int64_t zeros = 0;
            for (int64_t i = 0; i < area; ++i)
                zeros += row[i] == 0.0f ? 1 : 0;
            out.zeros[static_cast<size_t>(c)] = zeros;
            zerosHere += zeros;
            for (int64_t start = 0; start < area; start += kHistogramChunk) {
                const int64_t n = std::min(kHistogramChunk, area - start);
                binsOf(row + start, n, lo, hi, scale, edges.data(), bins, binned.data());
                const int32_t* b = binned.data();
                int64_t i = 0;
                for (; i + kSets <= n; i += kSets) {
                    ++s0[b[i]];
                    ++s1[b[i + 1]];
                    ++s2[b[i + 2]];
                    ++s3[b[i + 3]];
                }
                for (; i < n; ++i)
                    ++s0[b[i]];
            }
        }
        std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
        for (int k = 0; k < kSets; ++k)
            for (int b = 0; b < bins; ++b)
                counts[static_cast<size_t>(b)] += sets[static_cast<size_t>(k) * stride + static_cast<size_t>(b)];
        if (zerosHere > 0 && lo <= 0.0f && 0.0f <= hi)
            counts[static_cast<size_t>(settledBin(0.0f, guessedBin(0.0f, lo, scale, bins), edges.data(), bins))] +=
                zerosHere;
        const std::lock_guard lock(merge);
        for (int b = 0; b < bins; ++b)
            total[static_cast<size_t>(b)] += counts[static_cast<size_t>(b)];
    });
    out.histogram.assign(total.begin(), total.end());
    return out;
}

// Statistics, histogram and tiles of one tap's output `t` (batch dimension removed, channels first). The
// extremes and means are torch's vectorised row reductions; zero counts and the histogram one pass of ours; the
// layer's extremes and zero count follow from the channels' ones, and the tiles of all chosen channels are scaled
// together.
LayerResult summariseLayer(const std::string& name, const torch::Tensor& t, const AnalysisOptions& options)
{
    LayerResult layer;
    layer.name = name;
    layer.shape.assign(t.sizes().begin(), t.sizes().end());
    TORCH_CHECK(t.numel() > 0, "the output of ", name, " is empty");
    const int64_t channels = t.dim() > 0 ? t.size(0) : 1;
    const int64_t area = t.numel() / std::max<int64_t>(1, channels);
    const torch::Tensor flat = t.reshape({channels, -1}).to(torch::kCPU, torch::kFloat32).contiguous();
    // amax and amin are vectorised along a row; aminmax(dim) in this libtorch is not, and costs ten times as much.
    // One copy to the CPU, rows: mean, max, min.
    const torch::Tensor perChannel =
        torch::stack({flat.mean(1), flat.amax(1), flat.amin(1)}).contiguous();
    const float* meanV = perChannel.data_ptr<float>();
    const float* maxV = meanV + channels;
    const float* minV = maxV + channels;
    layer.histogramMin = *std::min_element(minV, minV + channels);
    layer.histogramMax = *std::max_element(maxV, maxV + channels);
    const float histMax = layer.histogramMax > layer.histogramMin ? layer.histogramMax : layer.histogramMin + 1.0f;
    const torch::Tensor edgeTensor =
        torch::linspace(layer.histogramMin, histMax, std::max(1, options.histogramBins) + 1, torch::kFloat32);
    const std::vector<float> edges(edgeTensor.data_ptr<float>(), edgeTensor.data_ptr<float>() + edgeTensor.numel());
    ZerosAndHistogram counted = zerosAndHistogram(flat, edges);
    layer.histogram = std::move(counted.histogram);
    layer.channels.resize(static_cast<size_t>(channels));
    int64_t zeroCount = 0;
    for (int64_t c = 0; c < channels; ++c) {
        ChannelStats& s = layer.channels[c];
        const int64_t zeros = counted.zeros[static_cast<size_t>(c)];
        s.mean = meanV[c];
        s.max = maxV[c];
        s.sparsity = static_cast<float>(zeros) / static_cast<float>(area);
        s.dead = maxV[c] <= minV[c];
        layer.deadChannels += s.dead ? 1 : 0;
        zeroCount += zeros;
    }
    layer.sparsity = static_cast<float>(zeroCount) / static_cast<float>(std::max<int64_t>(1, t.numel()));

    if (t.dim() == 3) {
        std::vector<int64_t> order(static_cast<size_t>(channels));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return meanV[a] > meanV[b]; });
        const int64_t n = options.tilesPerLayer <= 0 ? channels : std::min<int64_t>(options.tilesPerLayer, channels);
        order.resize(static_cast<size_t>(n));
        const int width = static_cast<int>(t.size(2)), height = static_cast<int>(t.size(1));

        // Both scalings: 8-bit tiles cannot be rescaled exactly afterwards, and the view's toggle is a redraw. A
        // constant map (hi <= lo) is drawn black. Tiles are drawn in parallel, straight into their images.
        const bool sharedFlat = !(layer.histogramMax > layer.histogramMin);
        layer.tiles.resize(static_cast<size_t>(n));
        parallelFor(0, n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, area)), [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const int64_t c = order[static_cast<size_t>(i)];
                const float* map = flat.data_ptr<float>() + c * area;
                ChannelTile& tile = layer.tiles[static_cast<size_t>(i)];
                tile.channel = static_cast<int>(c);
                tile.mean = meanV[c];
                tile.sharedImage = sharedFlat ? blackTile(width, height)
                                              : toGray8(map, width, height, layer.histogramMin, layer.histogramMax);
                if (options.sharedTileScale)
                    tile.image = tile.sharedImage;
                else
                    tile.image = maxV[c] > minV[c] ? toGray8(map, width, height, minV[c], maxV[c])
                                                   : blackTile(width, height);
            }
        });
    }
    return layer;
}

// ---- The stages of one analysis ----
//
// analyze() resolves every name first (planAnalysis), then runs the stages in order (Stage): preprocess, forward
// with taps, predictions, the first CAM method when it is cheap (with its gradients), layer summaries, then the
// gradients and guided backprop the methods need before each, one stage per CAM method, faithfulness. Each stage
// reads what the earlier ones left in the Pass and returns an Error (with its kind) to stop. After the first
// method's maps and after the layer summaries, a partial result goes out (so the first overlay waits for the
// forward pass alone, and a slow first method does not hold back the feature maps).

using ProgressFn = std::function<void(double, const std::string&)>;

// Progress weights: the expected cost of each stage in units of the forward pass (core/inspect/stagecosts.h, where
// they were measured), so each stage's share of the progress bar follows from what this analysis runs.

// Progress through the stages of one analysis: stage i covers [sum of costs before i, + cost i] / total cost.
// The costs are given again on entering each stage (they become exact once the forward pass has run); a report
// never goes back, so the fraction is monotonic in [0,1].
class StageProgress {
public:
    explicit StageProgress(ProgressFn report) : mReport(std::move(report)) {}

    // Enters stage `index` of stages costing `costs`, reporting its start under `label`.
    void enter(const std::vector<double>& costs, size_t index, const std::string& label)
    {
        mTotal = 0.0;
        mStart = 0.0;
        for (size_t i = 0; i < costs.size(); ++i) {
            const double cost = std::max(0.0, costs[i]);
            mTotal += cost;
            if (i < index)
                mStart += cost;
        }
        mCost = index < costs.size() ? std::max(0.0, costs[index]) : 0.0;
        mLabel = label;
        report(mStart, label);
    }

    // `fraction` of the current stage done.
    void within(double fraction) { report(mStart + mCost * std::clamp(fraction, 0.0, 1.0), mLabel); }

    void done()
    {
        mLast = 1.0;
        if (mReport)
            mReport(1.0, "done");
    }

private:
    void report(double cost, const std::string& label)
    {
        const double fraction = mTotal > 0.0 ? std::clamp(cost / mTotal, 0.0, 1.0) : 0.0;
        mLast = std::max(mLast, fraction);
        if (mReport)
            mReport(mLast, label);
    }

    ProgressFn mReport;
    double mTotal = 0.0;
    double mStart = 0.0;
    double mCost = 0.0;
    double mLast = 0.0;
    std::string mLabel;
};

// What an analysis does, resolved from the options before any work, so a bad name fails first.
struct Plan {
    std::vector<std::string> taps;                    // blocks whose outputs are summarised
    std::vector<std::string> methodIds;               // as asked, in order
    std::vector<std::unique_ptr<CamMethod>> methods;  // one per id
    std::string camName;                              // the CAM layer as asked (block or stage)
    std::string camBlock;                             // its block; empty without methods
    bool faithfulness = true;
    bool road = false;
    // The first method's maps come before the feature maps (its backward pass included), when they cost a small
    // part of a forward pass: the first overlay then waits for the forward pass alone. A slower first method
    // (Score-CAM, guided backprop, aug_smooth) follows the feature maps, which are then shown before it.
    bool firstMethodEarly = false;
};

// The classes an analysis with `options` explains, before the predictions say which: the top-K and the extra ones
// (some of which may turn out to be among the top-K).
int64_t expectedClassCount(const AnalysisOptions& options)
{
    return std::max(1, options.topK) + static_cast<int64_t>(options.camClasses.size());
}

// What a method may cost, its backward pass included, to come before the feature maps (in forward passes; the
// layer methods cost 0.01 to 0.1 with their head-only backward).
constexpr double kEarlyMethodMaxCost = 0.25;

// The method options the asked methods use, within what they can run.
Expected<void> checkMethodOptions(const ModelSpec& spec, const AnalysisOptions& options)
{
    const MethodOptions& m = options.methodOptions;
    const auto uses = [&](const char* id) {
        return std::find(options.methods.begin(), options.methods.end(), id) != options.methods.end();
    };
    const auto bad = [&](const std::string& what) { return makeError(ErrorKind::BadInput, spec.id + ": " + what); };
    if (uses("integratedgradients")) {
        if (m.integratedGradientsSteps < 2 || m.integratedGradientsSteps > kMaxIntegratedGradientsSteps)
            return bad("Integrated Gradients needs 2 to " + std::to_string(kMaxIntegratedGradientsSteps) +
                       " steps, not " + std::to_string(m.integratedGradientsSteps));
        const auto& known = integratedGradientsBaselines();
        if (std::find(known.begin(), known.end(), m.integratedGradientsBaseline) == known.end())
            return bad("unknown Integrated Gradients baseline '" + m.integratedGradientsBaseline +
                       "' (known: black, blurred, mean)");
    }
    if (uses("occlusion")) {
        const int crop = spec.preprocess.cropSize;
        if (m.occlusionWindow < 1 || m.occlusionWindow > crop)
            return bad("the occlusion window must be 1 to " + std::to_string(crop) + " pixels (the crop), not " +
                       std::to_string(m.occlusionWindow));
        if (m.occlusionStride < 1 || m.occlusionStride > crop)
            return bad("the occlusion stride must be 1 to " + std::to_string(crop) + " pixels, not " +
                       std::to_string(m.occlusionStride));
    }
    return {};
}

Expected<Plan> planAnalysis(const ModelSpec& spec, const NetworkImpl& net, const AnalysisOptions& options)
{
    Plan plan;
    for (const std::string& name : options.taps.empty() ? spec.taps : options.taps) {
        const std::string block = resolveBlock(spec, net, name);
        if (block.empty())
            return makeError(ErrorKind::BadInput,
                             spec.id + ": tap '" + name + "' is not a block or stage of " + spec.id);
        plan.taps.push_back(block);
    }
    for (const std::string& id : options.methods) {
        plan.methods.push_back(createCamMethod(id));
        if (!plan.methods.back())
            return makeError(ErrorKind::BadInput,
                             spec.id + ": unknown CAM method '" + id + "' (known: " + methodIdList() + ")");
        plan.methodIds.push_back(id);
    }
    plan.faithfulness = options.faithfulness;
    plan.road = options.methodOptions.road;
    if (Expected<void> valid = checkMethodOptions(spec, options); !valid)
        return valid.error();
    plan.camName = options.camLayer.empty() ? spec.camTarget : options.camLayer;
    if (!plan.methods.empty()) {
        plan.camBlock = resolveBlock(spec, net, plan.camName);
        if (plan.camBlock.empty())
            return makeError(ErrorKind::BadInput,
                             spec.id + ": CAM layer '" + plan.camName + "' is not a block or stage of " + spec.id);
        const CamMethod& first = *plan.methods.front();
        const int64_t classes = expectedClassCount(options);
        const double cost = camCost(plan.methodIds.front(), classes, kEstimatedCamChannels, options.methodOptions,
                                    spec.preprocess.cropSize) +
                            (first.needsGradients() ? kGradientsCostPerClass * static_cast<double>(classes) : 0.0);
        plan.firstMethodEarly = !first.needsGuidedGradients() && cost <= kEarlyMethodMaxCost;
    }
    return plan;
}

// One analysis in progress: the stages fill it in order.
struct Pass {
    Pass(const ModelSpec& spec, NetworkImpl& net, torch::Device device, const AnalysisOptions& options,
         const Plan& plan, const std::atomic<bool>* cancel, std::shared_ptr<const KeptForward> kept)
        : spec(spec), net(net), device(device), options(options), plan(plan), cancel(cancel), kept(std::move(kept))
    {
    }

    const ModelSpec& spec;
    NetworkImpl& net;
    torch::Device device;
    const AnalysisOptions& options;
    const Plan& plan;
    const std::atomic<bool>* cancel;
    AnalysisResult result;
    torch::Tensor input;                           // [1,3,S,S] normalised (preprocess)
    std::map<std::string, torch::Tensor> outputs;  // recorded block outputs, batch dimension kept (forward)
    torch::Tensor logits;                          // [numClasses] (forward)
    torch::Tensor probs;                           // softmax of logits (predictions)
    std::vector<int64_t> classes;                  // the classes explained: top-K, then options.camClasses
    std::vector<std::string> classLabels;          // their labels
    torch::Tensor gradients;                       // [K,C,h,w] at the CAM layer (gradients)
    torch::Tensor guidedGradients;                 // [K,3,S,S] at the input (guided backprop)
    std::vector<torch::Tensor> heatmaps;           // [S,S] per CAM result, in result.cams order
    std::shared_ptr<const KeptForward> kept;       // the last image's forward pass; used when `input` equals its
    bool reuseForward = false;                     // (preprocess)
    std::function<void()> forgetKept;              // drops the analyzer's own reference to `kept`

    // The classes explained and the CAM layer's channels: exact after the predictions and the forward pass,
    // estimated before.
    int64_t classCount() const
    {
        return classes.empty() ? expectedClassCount(options) : static_cast<int64_t>(classes.size());
    }
    int64_t camChannels() const
    {
        const auto found = outputs.find(plan.camBlock);
        return found != outputs.end() && found->second.dim() > 1 ? found->second.size(1) : kEstimatedCamChannels;
    }

    bool cancelled() const { return cancel && cancel->load(); }
    Error cancelledError() const { return makeError(ErrorKind::Cancelled, spec.id + ": analysis cancelled"); }
};

Expected<void> preprocessStage(Pass& pass, const QImage& rgb)
{
    // In bands of rows on the intra-op threads, each resizing, cropping and normalising its own rows straight into
    // the crop and the input tensor (the bytes of resizeAndCrop and normalize; preprocess_test).
    const PreprocessSpec& spec = pass.spec.preprocess;
    const QImage source = rgb.convertToFormat(QImage::Format_RGB888);
    const int crop = spec.cropSize;
    QImage cropped(crop, crop, QImage::Format_RGB888);
    torch::Tensor input = torch::empty({1, 3, crop, crop}, torch::kFloat32);
    if (cropped.isNull())
        return makeError(ErrorKind::Internal, pass.spec.id + ": not enough memory for the model's input image");
    uchar* bits = cropped.bits();
    const qsizetype bytesPerLine = cropped.bytesPerLine();
    float* chw = input.data_ptr<float>();
    std::atomic<bool> bandFailed{false};
    parallelFor(0, crop, kPreprocessBandRows, [&](int64_t first, int64_t last) {
        const QImage band = resizeAndCropRows(source, spec, static_cast<int>(first), static_cast<int>(last));
        if (band.height() != last - first) {  // QImage says a failed allocation with a null image
            bandFailed = true;
            return;
        }
        for (int y = 0; y < band.height(); ++y)
            std::memcpy(bits + (first + y) * bytesPerLine, band.constScanLine(y), static_cast<size_t>(crop) * 3);
        normalizeRowsInto(band, spec, static_cast<int>(first), crop, chw);
    });
    if (bandFailed)
        return makeError(ErrorKind::Internal, pass.spec.id + ": not enough memory to resize the image");
    pass.result.input = cropped;
    pass.input = input.to(pass.device);
    // The same pixels as the last analysis: its forward pass holds every block's output already.
    pass.reuseForward = pass.kept && pass.kept->input.sizes() == pass.input.sizes() &&
                        pass.kept->input.device() == pass.input.device() && torch::equal(pass.kept->input, pass.input);
    return {};
}

// One forward pass recording every block's output (the taps and the CAM layer among them; kept for the next
// analysis of the same image), or the kept one reused.
Expected<void> forwardStage(Pass& pass)
{
    if (pass.reuseForward) {
        pass.logits = pass.kept->logits;
        pass.outputs = pass.kept->outputs;
        // What the forward pass cost when it ran, for time estimates (the window's "about 2 min").
        pass.result.timingsMs["forward reused"] = pass.kept->forwardMs;
    } else {
        // Another image: the last one's outputs go before this pass allocates its own, so that the memory they
        // held serves it (both kept at once made ResNet-18's recording pass ~5 % slower: fresh pages, cold caches).
        pass.kept.reset();
        if (pass.forgetKept)
            pass.forgetKept();
        const auto start = Clock::now();
        pass.logits = pass.net.forwardRecording(pass.input, pass.net.blockNames(), pass.outputs)[0];
        auto kept = std::make_shared<KeptForward>();
        kept->input = pass.input;
        kept->logits = pass.logits;
        kept->outputs = pass.outputs;
        kept->forwardMs = msSince(start);
        pass.kept = std::move(kept);
    }
    pass.result.prediction.logits = toVector(pass.logits);
    if (!pass.plan.camBlock.empty() && pass.outputs.at(pass.plan.camBlock).dim() != 4)
        return makeError(ErrorKind::BadInput, pass.spec.id + ": CAM layer '" + pass.plan.camName +
                                                  "' has no spatial map (output shape " +
                                                  std::to_string(pass.outputs.at(pass.plan.camBlock).dim()) + "-D)");
    return {};
}

// Softmax, top-K with labels, and the classes to explain.
Expected<void> predictionsStage(Pass& pass)
{
    pass.probs = torch::softmax(pass.logits, 0);
    pass.result.prediction.top = topClasses(toVector(pass.probs), pass.options.topK, pass.spec.labels);
    for (const ClassScore& score : pass.result.prediction.top) {
        pass.classes.push_back(score.index);
        pass.classLabels.push_back(score.label);
    }
    // Classes asked for explicitly (compare mode) are explained after the top-K ones.
    for (int extra : pass.options.camClasses) {
        if (extra < 0 || extra >= pass.logits.size(0) ||
            std::find(pass.classes.begin(), pass.classes.end(), extra) != pass.classes.end())
            continue;
        pass.classes.push_back(extra);
        pass.classLabels.push_back(classLabel(extra, pass.spec.labels));
    }
    return {};
}

Expected<void> featureMapsStage(Pass& pass)
{
    for (const std::string& tap : pass.plan.taps) {
        pass.result.layers.push_back(summariseLayer(tap, pass.outputs.at(tap)[0], pass.options));
        if (pass.options.keepActivations)
            pass.result.layers.back().activations = toVector(pass.outputs.at(tap)[0]);
    }
    return {};
}

// Gradients of the K class logits at the CAM layer: one batched backward of the network head.
Expected<void> gradientsStage(Pass& pass)
{
    const int block = pass.net.blockIndex(pass.plan.camBlock);
    // The forward pass recorded every block: the pool after the CAM layer, when there is one, is not run again.
    torch::Tensor next;
    if (block + 1 < static_cast<int>(pass.net.blocks().size()))
        if (const auto found = pass.outputs.find(pass.net.blocks()[static_cast<size_t>(block + 1)].name);
            found != pass.outputs.end())
            next = found->second;
    pass.gradients = classGradients(pass.net, block, pass.outputs.at(pass.plan.camBlock), pass.classes, next);
    return {};
}

// Guided backprop of the K class logits to the input: one batched guided backward of the whole network.
Expected<void> guidedBackpropStage(Pass& pass)
{
    pass.guidedGradients = guidedInputGradients(pass.net, pass.input, pass.classes, pass.cancel);
    if (!pass.guidedGradients.defined())
        return pass.cancelledError();
    return {};
}

// pytorch-grad-cam's aug_smooth for a layer method: the mean of its normalised heatmaps ([K,S,S]) over the image
// flipped horizontally or not × intensity 0.9, 1 and 1.1 (ttach's HorizontalFlip and Multiply), each flipped
// back. The unchanged image reuses the analysis's forward and backward passes; the five others run the network
// to the CAM layer and its head's backward again. Not renormalised after the mean, as the reference.
Expected<torch::Tensor> augSmoothedHeatmaps(Pass& pass, const CamMethod& method, const CamContext& context,
                                            StageProgress& progress)
{
    const int64_t size = pass.input.size(2);
    const int block = pass.net.blockIndex(pass.plan.camBlock);
    torch::Tensor sum;
    int done = 0;
    for (const bool flip : {false, true}) {
        for (const double factor : {0.9, 1.0, 1.1}) {
            if (pass.cancelled())
                return pass.cancelledError();
            CamContext c = context;
            if (flip || factor != 1.0) {
                c.input = (flip ? pass.input.flip({3}) : pass.input) * factor;
                std::map<std::string, torch::Tensor> recorded;
                pass.net.forwardRecording(c.input, {pass.plan.camBlock}, recorded);
                c.activations = recorded.at(pass.plan.camBlock);
                if (method.needsGradients())
                    c.gradients = classGradients(pass.net, block, c.activations, pass.classes);
            }
            c.progress = [&progress, done](double f) { progress.within((done + f) / 6.0); };
            Expected<CamMaps> raw = method.compute(c);
            if (!raw)
                return raw.error();
            torch::Tensor heat = normalisedHeatmaps(torch::relu(raw->maps), size);
            if (flip)
                heat = heat.flip({2});
            sum = sum.defined() ? sum + heat : heat;
            ++done;
        }
    }
    return sum / 6.0;
}

// The black image in the normalised input's units, [1,3,1,1].
torch::Tensor blackInput(const Pass& pass)
{
    const PreprocessSpec& p = pass.spec.preprocess;
    std::vector<float> black;
    for (size_t c = 0; c < p.mean.size(); ++c)
        black.push_back((0.0f - p.mean[c]) / p.std[c]);
    return torch::tensor(black, torch::kFloat32).view({1, -1, 1, 1}).to(pass.device);
}

// One method: a raw map per class, then ReLU, the grid, and the heatmap at the input's size (with aug_smooth the
// smoothed heatmap, which is also the grid, at the input's size).
Expected<void> camStage(Pass& pass, size_t m, StageProgress& progress)
{
    const std::string& id = pass.plan.methodIds[m];
    const CamMethod& method = *pass.plan.methods[m];
    CamContext context;
    context.activations = pass.outputs.at(pass.plan.camBlock);
    context.gradients = pass.gradients;
    context.guidedGradients = pass.guidedGradients;
    context.classes = pass.classes;
    context.network = &pass.net;
    context.input = pass.input;
    context.black = blackInput(pass);
    context.batchSize = pass.options.scoreCamBatch;
    context.options = pass.options.methodOptions;
    context.cancel = pass.cancel;
    context.progress = [&](double fraction) { progress.within(fraction); };
    const int64_t size = pass.input.size(2);
    torch::Tensor grids;      // [K,h,w] after ReLU
    torch::Tensor heatmaps;   // [K,S,S]
    torch::Tensor images;     // [K,3,S,S] input-space methods
    torch::Tensor deltas;     // [K] Integrated Gradients
    if (pass.options.methodOptions.augSmooth && method.usesCamLayer() && !method.explainsAtInput()) {
        Expected<torch::Tensor> smoothed = augSmoothedHeatmaps(pass, method, context, progress);
        if (!smoothed)
            return smoothed.kind() == ErrorKind::Cancelled ? pass.cancelledError()
                                                           : smoothed.error().withContext(pass.spec.id + ": " + id);
        grids = heatmaps = *smoothed;
    } else {
        Expected<CamMaps> raw = method.compute(context);
        if (!raw)
            return raw.kind() == ErrorKind::Cancelled ? pass.cancelledError()
                                                      : raw.error().withContext(pass.spec.id + ": " + id);
        grids = torch::relu(raw->maps);
        heatmaps = normalisedHeatmaps(grids, size);
        images = raw->images;
        deltas = raw->deltas;
    }
    for (size_t i = 0; i < pass.classes.size(); ++i) {
        CamResult cam;
        cam.method = id;
        cam.classIndex = static_cast<int>(pass.classes[i]);
        cam.label = pass.classLabels[i];
        // Guided backprop, the input gradients and Occlusion explain at the input; guided Grad-CAM also depends
        // on its Grad-CAM layer.
        cam.layer = method.usesCamLayer() ? pass.plan.camBlock : std::string("input");
        const auto row = static_cast<int64_t>(i);
        if (images.defined())
            cam.guided = toVector(images[row]);
        cam.gridHeight = static_cast<int>(grids.size(1));
        cam.gridWidth = static_cast<int>(grids.size(2));
        cam.grid = toVector(grids[row]);
        if (deltas.defined())
            cam.convergenceDelta = deltas[row].item<float>();
        cam.heatmapSize = static_cast<int>(size);
        pass.heatmaps.push_back(heatmaps[row]);
        cam.heatmap = toVector(pass.heatmaps.back());
        pass.result.cams.push_back(std::move(cam));
    }
    return {};
}

// Faithfulness, as pytorch-grad-cam's CamMultImageConfidenceChange with ClassifierOutputSoftmaxTarget: the class's
// softmax probability on (normalised input × heatmap) minus that on the input; DropInConfidence = max(0, -change),
// IncreaseInConfidence = change > 0 ? 1 : 0. The masked images run in batches of options.scoreCamBatch.
Expected<void> faithfulnessStage(Pass& pass, StageProgress& progress)
{
    const int64_t batch = std::max(1, pass.options.scoreCamBatch);
    const auto count = static_cast<int64_t>(pass.heatmaps.size());
    for (int64_t first = 0; first < count; first += batch) {
        if (pass.cancelled())
            return pass.cancelledError();
        const int64_t end = std::min(count, first + batch);
        std::vector<torch::Tensor> masked;
        for (int64_t i = first; i < end; ++i)
            masked.push_back(pass.input[0] * pass.heatmaps[static_cast<size_t>(i)]);
        const torch::Tensor logits = pass.net.forward(torch::stack(masked), pass.cancel);
        if (!logits.defined())
            return pass.cancelledError();
        const torch::Tensor p = torch::softmax(logits, 1);
        for (int64_t i = first; i < end; ++i) {
            CamResult& cam = pass.result.cams[static_cast<size_t>(i)];
            Faithfulness& f = cam.faithfulness;
            f.confidence = pass.probs[cam.classIndex].item<float>();
            f.maskedConfidence = p[i - first][cam.classIndex].item<float>();
            const float change = f.maskedConfidence - f.confidence;
            f.drop = std::max(0.0f, -change);
            f.increase = change > 0 ? 1.0f : 0.0f;
            f.measured = true;
        }
        progress.within(static_cast<double>(end) / static_cast<double>(count));
    }
    return {};
}

// ROAD for every map (RoadScores, core/inspect/road.h): per percentile one image with the most relevant pixels
// imputed and one with the least relevant ones, all maps' images run through the network in batches of
// options.scoreCamBatch; the class's softmax probability on each minus that on the image. The noise of each
// imputation is drawn from a seed of its own (the percentile's index, most or least relevant first), so a result
// is reproducible.
Expected<void> roadStage(Pass& pass, StageProgress& progress)
{
    const std::vector<int>& percentiles = roadPercentiles();
    struct Item {
        size_t map;
        size_t percentile;
        bool mostRelevantFirst;
    };
    std::vector<Item> items;
    for (size_t map = 0; map < pass.heatmaps.size(); ++map) {
        RoadScores& road = pass.result.cams[map].road;
        road.percentiles = percentiles;
        road.mostRelevantFirst.assign(percentiles.size(), 0.0f);
        road.leastRelevantFirst.assign(percentiles.size(), 0.0f);
        for (size_t p = 0; p < percentiles.size(); ++p)
            for (const bool most : {true, false})
                items.push_back({map, p, most});
    }
    const int64_t batch = std::max(1, pass.options.scoreCamBatch);
    const auto total = static_cast<int64_t>(items.size());
    for (int64_t first = 0; first < total; first += batch) {
        if (pass.cancelled())
            return pass.cancelledError();
        const int64_t end = std::min(total, first + batch);
        // The sparse solves are single-threaded and the inference threads idle meanwhile: one solve per core.
        // Each image has its own seed, so the result does not depend on which thread made it.
        std::vector<torch::Tensor> imputed(static_cast<size_t>(end - first));
        std::atomic<int64_t> next{first};
        std::exception_ptr failure;
        std::mutex failureMutex;
        const auto impute = [&] {
            try {
                for (int64_t i = next++; i < end; i = next++) {
                    const Item& item = items[static_cast<size_t>(i)];
                    const torch::Tensor keep =
                        roadKeepMask(pass.heatmaps[item.map], percentiles[item.percentile], item.mostRelevantFirst);
                    const uint64_t seed = 2 * item.percentile + (item.mostRelevantFirst ? 0 : 1);
                    imputed[static_cast<size_t>(i - first)] =
                        noisyLinearImputation(pass.input[0], keep, kRoadNoise, seed);
                }
            } catch (...) {
                const std::lock_guard<std::mutex> lock(failureMutex);
                failure = std::current_exception();
            }
        };
        const auto helpers = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())) - 1;
        std::vector<std::thread> threads;
        for (int64_t t = 0; t < std::min(helpers, end - first - 1); ++t)
            threads.emplace_back(impute);
        impute();
        for (std::thread& thread : threads)
            thread.join();
        if (failure)
            std::rethrow_exception(failure);
        const torch::Tensor logits = pass.net.forward(torch::stack(imputed), pass.cancel);
        if (!logits.defined())
            return pass.cancelledError();
        const torch::Tensor p = torch::softmax(logits, 1).to(torch::kCPU);
        for (int64_t i = first; i < end; ++i) {
            const Item& item = items[static_cast<size_t>(i)];
            CamResult& cam = pass.result.cams[item.map];
            const float change = p[i - first][cam.classIndex].item<float>() - pass.probs[cam.classIndex].item<float>();
            (item.mostRelevantFirst ? cam.road.mostRelevantFirst : cam.road.leastRelevantFirst)[item.percentile] =
                change;
        }
        progress.within(static_cast<double>(end) / static_cast<double>(total));
    }
    for (size_t map = 0; map < pass.heatmaps.size(); ++map) {
        RoadScores& road = pass.result.cams[map].road;
        const auto mean = [](const std::vector<float>& v) {
            return std::accumulate(v.begin(), v.end(), 0.0f) / static_cast<float>(std::max<size_t>(1, v.size()));
        };
        road.combined = (mean(road.leastRelevantFirst) - mean(road.mostRelevantFirst)) / 2.0f;
        road.measured = true;
    }
    return {};
}

// A stage as analyze() runs it: its progress label, the timing it adds to (result.timingsMs), its expected cost
// (in units of the forward pass, from the table above).
struct Stage {
    std::string label;  // "forward" becomes "reusing the forward pass" when the pass is reused
    std::string timing;
    std::function<double(const Pass&)> cost;
    std::function<Expected<void>(Pass&)> run;
    bool delivers = false;  // what it adds can be shown on its own (a CAM method's maps): a partial result follows
};

// The stages `plan` needs, in order.
std::vector<Stage> stagesOf(const Plan& plan, const QImage& rgb, StageProgress& progress)
{
    auto fixed = [](double cost) { return [cost](const Pass&) { return cost; }; };
    auto perClass = [](double cost) {
        return [cost](const Pass& p) { return cost * static_cast<double>(p.classCount()); };
    };
    std::vector<Stage> stages = {
        {"preprocess", "preprocess", fixed(kPreprocessCost), [&rgb](Pass& p) { return preprocessStage(p, rgb); }},
        {"forward", "forward", [](const Pass& p) { return p.reuseForward ? 0.0 : 1.0; }, forwardStage},
        // The predictions are timed with the forward pass they finish (timingsMs has no entry of their own).
        {"forward", "forward", fixed(kPredictionsCost), predictionsStage},
    };
    const Stage featureMaps = {"feature maps", "feature maps",
                               fixed(kFeatureMapsCostPerTap * static_cast<double>(plan.taps.size())), featureMapsStage,
                               true};
    if (plan.methods.empty()) {
        stages.push_back(featureMaps);
        return stages;
    }
    // The backward passes run just before the first method needing them, so the first method's maps are not
    // delayed by what only a later one needs (a guided pass before Grad-CAM's maps).
    bool gradients = false;
    bool guided = false;
    const size_t methodsBeforeMaps = plan.firstMethodEarly ? 1 : 0;
    for (size_t m = 0; m < plan.methods.size(); ++m) {
        if (m == methodsBeforeMaps)
            stages.push_back(featureMaps);
        if (plan.methods[m]->needsGradients() && !gradients) {
            stages.push_back({"gradients", "gradients", perClass(kGradientsCostPerClass), gradientsStage});
            gradients = true;
        }
        if (plan.methods[m]->needsGuidedGradients() && !guided) {
            stages.push_back(
                {"guided backprop", "guided backprop", perClass(kGuidedCostPerClass), guidedBackpropStage});
            guided = true;
        }
        const std::string label = "cam " + plan.methodIds[m];
        stages.push_back({label, label,
                          [m](const Pass& p) {
                              return camCost(p.plan.methodIds[m], p.classCount(), p.camChannels(),
                                             p.options.methodOptions, p.spec.preprocess.cropSize);
                          },
                          [m, &progress](Pass& p) { return camStage(p, m, progress); }, true});
    }
    if (methodsBeforeMaps == plan.methods.size())
        stages.push_back(featureMaps);
    const auto maps = static_cast<double>(plan.methods.size());
    if (plan.faithfulness)
        stages.push_back(
            {"faithfulness", "faithfulness",
             [maps](const Pass& p) { return kFaithfulnessCostPerMap * maps * static_cast<double>(p.classCount()); },
             [&progress](Pass& p) { return faithfulnessStage(p, progress); }});
    if (plan.road)
        stages.push_back({"road", "road",
                          [maps](const Pass& p) { return kRoadCostPerMap * maps * static_cast<double>(p.classCount()); },
                          [&progress](Pass& p) { return roadStage(p, progress); }});
    return stages;
}

// Runs `stages` in order; the cancel flag is checked before each. After a stage that delivers, and is not the
// last, `partial` (when set) gets the result so far.
Expected<void> runStages(Pass& pass, const std::vector<Stage>& stages, StageProgress& progress,
                         const Analyzer::PartialFn& partial)
{
    std::vector<double> costs(stages.size());
    for (size_t i = 0; i < stages.size(); ++i) {
        if (pass.cancelled())
            return pass.cancelledError();
        for (size_t j = 0; j < stages.size(); ++j)
            costs[j] = stages[j].cost(pass);
        const bool reused = pass.reuseForward && stages[i].label == "forward";
        progress.enter(costs, i, reused ? std::string("reusing the forward pass") : stages[i].label);
        const auto start = Clock::now();
        Expected<void> done = stages[i].run(pass);
        pass.result.timingsMs[stages[i].timing] += msSince(start);
        if (!done)
            return done;
        if (partial && stages[i].delivers && i + 1 < stages.size() && !pass.cancelled())
            partial(pass.result);
    }
    return {};
}

}  // namespace

Analyzer::Analyzer(std::shared_ptr<State> state) : mState(std::move(state)) {}

Expected<Analyzer> Analyzer::create(const ModelSpec& spec, const QString& weightsPath)
{
    try {
        auto net = createNetworkWithWeights(spec.id, spec.architecture, spec.numClasses, weightsPath.toStdString());
        if (!net)
            return net.error();
        // A user registry may list blocks its network does not have; refuse it here rather than mid-analysis.
        if (Expected<void> checked = checkBlocks(spec, **net); !checked)
            return checked.error();
        auto state = std::make_shared<State>();
        state->net = std::move(*net);
        state->spec = spec;
        state->weights = weightsPath.toStdString();
        state->device = torchComputeDevice();
        state->net->to(state->device);
        return Analyzer(std::move(state));
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal, spec.id + ": cannot build the network: " + e.what_without_backtrace());
    }
}

Expected<std::vector<ClassifyOutput>> Analyzer::classify(const std::vector<PreprocessedImage>& images, int topK,
                                                         const std::string& meanLayer,
                                                         const std::atomic<bool>* cancel) const
{
    const ModelSpec& spec = mState->spec;
    try {
        applyInferenceThreads();
        std::vector<ClassifyOutput> outputs(images.size());
        if (images.empty())
            return outputs;
        if (cancel && cancel->load())
            return makeError(ErrorKind::Cancelled, spec.id + ": batch cancelled");
        std::string block;
        if (!meanLayer.empty()) {
            block = resolveBlock(spec, *mState->net, meanLayer);
            if (block.empty())
                return makeError(ErrorKind::BadInput,
                                 spec.id + ": layer '" + meanLayer + "' is not a block or stage of " + spec.id);
        }
        const PreprocessedImage& first = images.front();
        for (const PreprocessedImage& image : images)
            if (image.channels != first.channels || image.height != first.height || image.width != first.width ||
                image.chw.size() != std::size_t(image.channels) * image.height * image.width || image.chw.empty())
                return makeError(ErrorKind::BadInput, spec.id + ": the images of one batch must be preprocessed "
                                                                "to the same size (internal error)");
        // One [N,3,S,S] tensor: the images' planes are copied once into it.
        torch::Tensor input = torch::empty({static_cast<int64_t>(images.size()), first.channels, first.height,
                                            first.width},
                                           torch::kFloat32);
        const std::size_t plane = first.chw.size();
        for (std::size_t i = 0; i < images.size(); ++i)
            std::memcpy(input.data_ptr<float>() + i * plane, images[i].chw.data(), plane * sizeof(float));
        input = input.to(mState->device);

        torch::NoGradGuard noGrad;
        std::map<std::string, torch::Tensor> recorded;
        const torch::Tensor logits =
            block.empty() ? mState->net->forward(input) : mState->net->forwardRecording(input, {block}, recorded);
        const torch::Tensor probs = torch::softmax(logits, 1);
        torch::Tensor means;
        if (!block.empty()) {
            const torch::Tensor activation = recorded.at(block);
            // Channel means over every spatial position ([N,C,H,W] → [N,C]); a [N,C] output is its own mean.
            means = activation.dim() > 2 ? activation.flatten(2).mean(2) : activation;
        }
        for (std::size_t i = 0; i < images.size(); ++i) {
            const int64_t row = static_cast<int64_t>(i);
            outputs[i].prediction.logits = toVector(logits[row]);
            outputs[i].prediction.top = topClasses(toVector(probs[row]), topK, spec.labels);
            if (means.defined())
                outputs[i].channelMeans = toVector(means[row]);
        }
        return outputs;
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal, spec.id + ": batch inference failed: " + e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorKind::Internal,
                         spec.id + ": out of memory in a batch of " + std::to_string(images.size()) +
                             " images; use a smaller batch size (--batch-size)");
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Internal, spec.id + ": batch inference failed: " + e.what());
    }
}

const std::string& Analyzer::modelId() const
{
    return mState->spec.id;
}

std::size_t Analyzer::parameterBytes() const
{
    std::size_t bytes = 0;
    for (const torch::Tensor& t : mState->net->parameters(/*recurse=*/true))
        bytes += static_cast<std::size_t>(t.numel()) * t.element_size();
    for (const torch::Tensor& t : mState->net->buffers(/*recurse=*/true))
        bytes += static_cast<std::size_t>(t.numel()) * t.element_size();
    return bytes;
}

Expected<AnalysisResult> Analyzer::analyze(const QImage& rgb, const AnalysisOptions& options,
                                           const std::atomic<bool>* cancel, ProgressFn progress,
                                           const PartialFn& partial) const
{
    const ModelSpec& spec = mState->spec;
    // Nothing throws out: torch's errors, out of memory and any other exception become an Error with a kind.
    try {
        applyInferenceThreads();
        const auto totalStart = Clock::now();
        if (rgb.isNull())
            return makeError(ErrorKind::BadInput, spec.id + ": cannot analyse an empty image");
        Expected<Plan> plan = planAnalysis(spec, *mState->net, options);
        if (!plan)
            return plan.error();

        std::shared_ptr<const KeptForward> kept;
        {
            const std::lock_guard<std::mutex> lock(mState->keptMutex);
            kept = mState->kept;
        }
        Pass pass(spec, *mState->net, mState->device, options, *plan, cancel, std::move(kept));
        pass.forgetKept = [state = mState.get()] {
            const std::lock_guard<std::mutex> lock(state->keptMutex);
            state->kept.reset();
        };
        pass.result.modelId = spec.id;
        pass.result.weights = mState->weights;
        StageProgress stageProgress(std::move(progress));
        const std::vector<Stage> stages = stagesOf(*plan, rgb, stageProgress);
        torch::NoGradGuard noGrad;  // the gradient stages switch it on for their own backward passes
        const Expected<void> run = runStages(pass, stages, stageProgress, partial);
        if (pass.kept) {
            // Kept even when a later stage failed or was cancelled: the forward pass itself was good.
            const std::lock_guard<std::mutex> lock(mState->keptMutex);
            mState->kept = pass.kept;
        }
        if (!run)
            return run.error();
        pass.result.timingsMs["total"] = msSince(totalStart);
        stageProgress.done();
        return std::move(pass.result);
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal, spec.id + ": analysis failed: " + e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        const std::string advice = "close other models, or use fewer taps or methods or a smaller Score-CAM batch";
        return makeError(ErrorKind::Internal, spec.id + ": out of memory during the analysis; " + advice);
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Internal, spec.id + ": analysis failed: " + e.what());
    } catch (...) {
        return makeError(ErrorKind::Internal, spec.id + ": analysis failed with an unknown exception");
    }
}

}  // namespace convlens
