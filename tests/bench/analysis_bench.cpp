// Issue 12: what one photo costs in ConvLens, phase by phase, per model, for the comparison with the Python
// pipeline it replaces (reference_pipeline.py) and with a bare LibTorch forward. tests/bench/run.sh runs both
// sides and writes BENCHMARKS.md; the numbers are per image (every per-image benchmark works through all photos
// of benchPhotos() per iteration and counts them as items, so time per image = 1 / items_per_second).
//
// BM_Load            Analyzer::create from a local checkpoint (build the network, read and apply the weights)
// BM_Decode          read + decode each photo (readImageFile, decodeImageData)
// BM_Preprocess      resize, crop, normalise per the model's spec
// BM_BareForward     the network alone under InferenceMode on the photos (preprocessed outside the timing): batch
//                    1, and the registry's batch_size (arg 0)
// BM_FirstOverlay    analysis until the first Grad-CAM overlay is on screen (its QImage rendered): forward, all
//                    taps, gradients, Grad-CAM of the top classes; then cancelled (Analyzer's `partial`); counters: the
//                    stage timings until then, the overlay's rendering, and "other" (the call and the hand-over)
// BM_FullAnalysis    all taps + 16 tiles each + top-3 Grad-CAM + faithfulness
// BM_SameWork        what reference_pipeline.py does per image: file → decode → all taps + tiles, top-3
//                    Grad-CAM, no faithfulness (ConvLens renders tiles to QImages, it writes no PNGs)
// BM_CamMethod       each heatmap method alone (one tap, top-3 classes, no faithfulness), first photo only: the
//                    analyzer reuses the kept forward pass, as when the user switches methods, so the time is the
//                    method's (its backward pass included; counters: the analyzer's stage timings)
// BM_LayerSummaries  the "feature maps" stage alone (all taps, 16 tiles each: statistics, histogram, both tile
//                    scalings), first photo only, forward pass reused; timed by the analyzer's stage timing
// BM_SwitchCamLayer  the user picks another CAM layer for the photo on screen: the window's request (all taps, 16
//                    tiles, top-3 Grad-CAM) through AnalysisEngine from the file until its first overlay, the CAM
//                    layer alternating between the spec's cam_target and the last tap at a higher resolution than
//                    it; the engine keeps the decoded photo and the analyzer its forward pass, so only the
//                    network's head from the new layer runs (forward and backward); first photo only; counters:
//                    the analyzer's stage timings until then and the engine's reading and hashing
// BM_CacheHit        a stored result to displayed pixels: read and hash the file, look the key up (arg 0: in
//                    memory; arg 1: a fresh cache reading its file from disk), render the top class's overlay,
//                    scale it to 448 px and convert it to the format the view paints
// BM_SwitchView      switching class or colormap: the next explained class's overlay (cycling through the top 3
//                    and the four colormaps) from the result in memory, scaled to 448 px and converted as above;
//                    nothing is recomputed
//
// Not part of ctest. The model list is comparedModels(); the checkpoints are the seeded fixture ones
// (benchsupport.h), which cost what the official weights cost.

#include "benchsupport.h"

#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/image/preprocess.h"
#include "core/inspect/analyzer.h"
#include "core/inspect/methodcatalogue.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/cachekey.h"
#include "core/jobs/resultcache.h"
#include "core/models/network.h"
#include "core/registry/modelspec.h"
#include "core/report/colormap.h"
#include "core/weights/weightloader.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <QTemporaryDir>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace {

using namespace convlens;
using namespace convlens::bench;
using Clock = std::chrono::steady_clock;

// Whether this tree's Analyzer delivers partial results, and whether its options can switch faithfulness off.
// Templates, so that the benchmark also compiles against a tree without either.
template <typename A>
concept DeliversPartial = requires(const A& analyzer, const QImage& image, const AnalysisOptions& options) {
    analyzer.analyze(image, options, nullptr, {}, [](const AnalysisResult&) {});
};
template <typename O>
concept HasFaithfulnessOption = requires(O options) { options.faithfulness = false; };

template <typename O>
void setFaithfulness(O& options, bool on)
{
    if constexpr (HasFaithfulnessOption<O>)
        options.faithfulness = on;
}

// An analyser of `id` with its fixture checkpoint, made once per process (the benchmarks then share it).
struct Model {
    const ModelSpec* spec = nullptr;
    QString weights;
    std::optional<Analyzer> analyzer;
    std::string problem;
};

const Model& model(const std::string& id)
{
    static std::map<std::string, Model> models;
    Model& m = models[id];
    if (m.spec || !m.problem.empty())
        return m;
    m.spec = findSpec(id);
    if (!m.spec) {
        m.problem = "no registry entry " + id;
        return m;
    }
    m.weights = fixtureWeights(*m.spec, &m.problem);
    if (m.weights.isEmpty())
        return m;
    auto created = Analyzer::create(*m.spec, m.weights);
    if (!created)
        m.problem = created.message();
    else
        m.analyzer.emplace(std::move(*created));
    return m;
}

// The model and the photos, or a skip with the reason; applies the thread count.
const Model* ready(benchmark::State& state, const std::string& id)
{
    applyBenchThreads();
    std::string why;
    if (benchPhotos(&why).empty()) {
        state.SkipWithError(why.c_str());
        return nullptr;
    }
    const Model& m = model(id);
    if (!m.analyzer) {
        state.SkipWithError(m.problem.c_str());
        return nullptr;
    }
    return &m;
}

void label(benchmark::State& state, const std::string& what)
{
    state.SetLabel(std::to_string(applyBenchThreads()) + " threads, " + what);
}

// Everything the GUI computes for a photo: all taps with 16 tiles each, top-3 Grad-CAM, faithfulness.
AnalysisOptions fullOptions()
{
    AnalysisOptions options;
    options.tilesPerLayer = 16;
    options.topK = 3;
    options.methods = {"gradcam"};
    setFaithfulness(options, true);
    return options;
}

// An overlay as the view shows it: scaled to 448 px and converted to the format it paints.
QImage displayed(const QImage& overlay)
{
    return overlay.scaled(448, 448, Qt::KeepAspectRatio, Qt::SmoothTransformation)
        .convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

QImage overlayOf(const AnalysisResult& result)
{
    if (result.cams.empty())
        return {};
    const CamResult& cam = result.cams.front();
    return overlayHeatmap(result.input, cam.heatmap, cam.heatmapSize, Colormap::Jet, 0.5f);
}

void BM_Load(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    for (auto _ : state) {
        auto created = Analyzer::create(*m->spec, m->weights);
        if (!created) {
            state.SkipWithError(created.message().c_str());
            return;
        }
        benchmark::DoNotOptimize(created->parameterBytes());
    }
    label(state, "local checkpoint");
}

void BM_Decode(benchmark::State& state)
{
    std::string why;
    const auto& photos = benchPhotos(&why);
    if (photos.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    for (auto _ : state)
        for (const Photo& photo : photos) {
            auto bytes = readImageFile(photo.path);
            benchmark::DoNotOptimize(decodeImageData(*bytes, photo.path));
        }
    state.SetItemsProcessed(state.iterations() * std::int64_t(photos.size()));
    state.SetLabel(std::to_string(photos.size()) + " photos");
}

void BM_Preprocess(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    const auto& photos = benchPhotos(nullptr);
    for (auto _ : state)
        for (const Photo& photo : photos)
            benchmark::DoNotOptimize(preprocess(photo.rgb, m->spec->preprocess));
    state.SetItemsProcessed(state.iterations() * std::int64_t(photos.size()));
    label(state, std::to_string(m->spec->preprocess.cropSize) + " px");
}

// The network and nothing else: what any LibTorch program pays for the same forward pass, on the same photos
// (preprocessed once, outside the timing). A forward pass's time depends on the values it computes: EfficientNet's
// is ~10 % slower on a photo than on random numbers (subnormal intermediate values), so random inputs would make
// the bare pass look faster than the analyses of photos it is compared with. Batch 1 runs each photo in turn; a
// larger batch holds the photos in turn.
void BM_BareForward(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    auto net = createNetworkWithWeights(id, m->spec->architecture, m->spec->numClasses, m->weights.toStdString());
    if (!net) {
        state.SkipWithError(net.message().c_str());
        return;
    }
    const int64_t batch = state.range(0) > 0 ? state.range(0) : std::max(1, m->spec->batchSize);
    std::vector<torch::Tensor> photos;
    for (const Photo& photo : benchPhotos(nullptr)) {
        const PreprocessedImage pre = preprocess(photo.rgb, m->spec->preprocess);
        photos.push_back(torch::from_blob(const_cast<float*>(pre.chw.data()), {pre.channels, pre.height, pre.width},
                                          torch::kFloat32)
                             .clone());
    }
    c10::InferenceMode inference;
    std::vector<torch::Tensor> inputs;
    if (batch == 1) {
        for (const torch::Tensor& photo : photos)
            inputs.push_back(photo.unsqueeze(0));
    } else {
        std::vector<torch::Tensor> items;
        for (int64_t i = 0; i < batch; ++i)
            items.push_back(photos[static_cast<size_t>(i) % photos.size()]);
        inputs.push_back(torch::stack(items));
    }
    (*net)->forward(inputs.back());  // warm-up: oneDNN picks its kernels on the first call
    for (auto _ : state)
        for (const torch::Tensor& x : inputs)
            benchmark::DoNotOptimize((*net)->forward(x));
    state.SetItemsProcessed(state.iterations() * batch * static_cast<int64_t>(inputs.size()));
    label(state, "batch " + std::to_string(batch) + ", " + std::to_string(m->spec->preprocess.cropSize) + " px, " +
                     std::to_string(photos.size()) + " photos");
}

// One analysis timed from its start to its first overlay's pixels: shown() is the partial-result callback's body
// (the first call renders the overlay and asks the analysis to stop: what follows is not on the user's path to
// the first picture). When `stageMs` is set, the stage timings up to the first overlay are added to it, with
// "overlay" (the overlay's rendering) and under `otherName` what the stages' timings do not cover (the call, the
// partial result's hand-over; for the engine also reading and hashing the file).
struct FirstOverlayTimer {
    FirstOverlayTimer(std::map<std::string, double>* stageMs, std::string otherName)
        : stageMs(stageMs), otherName(std::move(otherName))
    {
    }

    void shown(const AnalysisResult& soFar)
    {
        if (shownAt)
            return;
        const auto partial = Clock::now();
        benchmark::DoNotOptimize(overlayOf(soFar));
        shownAt = Clock::now();
        cancel = true;
        if (!stageMs)
            return;
        double staged = 0.0;
        for (const auto& [stage, ms] : soFar.timingsMs) {
            (*stageMs)[stage] += ms;
            if (stage != "forward reused")  // what the kept pass once took, not time spent now
                staged += ms;
        }
        (*stageMs)["overlay"] += std::chrono::duration<double, std::milli>(*shownAt - partial).count();
        (*stageMs)[otherName] += std::chrono::duration<double, std::milli>(partial - start).count() - staged;
    }

    // Seconds from the start to the first overlay; -1 when none was shown.
    double seconds() const { return shownAt ? std::chrono::duration<double>(*shownAt - start).count() : -1.0; }

    std::map<std::string, double>* stageMs;
    std::string otherName;
    const Clock::time_point start = Clock::now();
    std::atomic<bool> cancel{false};
    std::optional<Clock::time_point> shownAt;
};

// Time from the call to the first overlay's pixels (FirstOverlayTimer, the rest "other"). Without partial results
// the whole Grad-CAM analysis is the bound.
template <typename A>
double secondsToFirstOverlay(const A& analyzer, const QImage& rgb, const AnalysisOptions& options,
                             std::map<std::string, double>* stageMs = nullptr)
{
    FirstOverlayTimer timer(stageMs, "other");
    if constexpr (DeliversPartial<A>) {
        auto done = analyzer.analyze(rgb, options, &timer.cancel, {},
                                     [&](const AnalysisResult& soFar) { timer.shown(soFar); });
        if (!timer.shownAt && done) {  // no partial call (a single stage): the result itself is the first one
            benchmark::DoNotOptimize(overlayOf(*done));
            timer.shownAt = Clock::now();
        }
        return timer.seconds();
    } else {
        auto done = analyzer.analyze(rgb, options);
        if (!done)
            return -1.0;
        benchmark::DoNotOptimize(overlayOf(*done));
        return std::chrono::duration<double>(Clock::now() - timer.start).count();
    }
}

void BM_FirstOverlay(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    const auto& photos = benchPhotos(nullptr);
    const AnalysisOptions options = fullOptions();
    // Warm-up on the last photo: the analyzer reuses the forward pass of the image it saw last, and the first
    // measured one must not.
    secondsToFirstOverlay(*m->analyzer, photos.back().rgb, options);
    std::map<std::string, double> stageMs;
    for (auto _ : state) {
        double seconds = 0.0;
        for (const Photo& photo : photos) {
            const double one = secondsToFirstOverlay(*m->analyzer, photo.rgb, options, &stageMs);
            if (one < 0) {
                state.SkipWithError("the analysis failed");
                return;
            }
            seconds += one;
        }
        state.SetIterationTime(seconds);
    }
    const double images = double(state.iterations()) * double(photos.size());
    for (const auto& [stage, ms] : stageMs)
        state.counters["ms " + stage] = ms / images;
    state.SetItemsProcessed(state.iterations() * std::int64_t(photos.size()));
    label(state, DeliversPartial<Analyzer> ? "until the first partial result's overlay"
                                           : "whole top-3 Grad-CAM analysis (no partial results in this tree)");
}

// Runs `options` over every photo per iteration; counters: the analyzer's own stage timings, per image.
void analyseAll(benchmark::State& state, const Model& m, const AnalysisOptions& options, bool fromFile)
{
    const auto& photos = benchPhotos(nullptr);
    std::map<std::string, double> stageMs;
    m.analyzer->analyze(photos.back().rgb, options);  // warm-up, on another image than the first measured one
    for (auto _ : state)
        for (const Photo& photo : photos) {
            QImage rgb = photo.rgb;
            if (fromFile) {
                auto bytes = readImageFile(photo.path);
                auto decoded = decodeImageData(*bytes, photo.path);
                rgb = *decoded;
            }
            auto result = m.analyzer->analyze(rgb, options);
            if (!result) {
                state.SkipWithError(result.message().c_str());
                return;
            }
            for (const auto& [stage, ms] : result->timingsMs)
                stageMs[stage] += ms;
        }
    const double images = double(state.iterations()) * double(photos.size());
    for (const auto& [stage, ms] : stageMs)
        state.counters["ms " + stage] = ms / images;
    state.SetItemsProcessed(state.iterations() * std::int64_t(photos.size()));
}

void BM_FullAnalysis(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    analyseAll(state, *m, fullOptions(), false);
    label(state, "all taps, 16 tiles, top-3 Grad-CAM, faithfulness");
}

void BM_SameWork(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    AnalysisOptions options = fullOptions();
    setFaithfulness(options, false);
    analyseAll(state, *m, options, true);
    label(state, HasFaithfulnessOption<AnalysisOptions> ? "file, all taps, 16 tiles, top-3 Grad-CAM"
                                                        : "file, all taps, 16 tiles, top-3 Grad-CAM, faithfulness");
}

void BM_CamMethod(benchmark::State& state, const std::string& id, const std::string& method)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    AnalysisOptions options;
    options.taps = {m->spec->camTarget};
    options.tilesPerLayer = 1;
    options.topK = 3;
    options.methods = {method};
    setFaithfulness(options, false);
    const QImage& rgb = benchPhotos(nullptr).front().rgb;
    // Keeps this photo's forward pass first: otherwise the first iteration runs it, and when it alone takes longer
    // than --benchmark_min_time (ConvNeXt-Tiny on a busy machine) it is the only iteration timed.
    m->analyzer->analyze(rgb, options);
    std::map<std::string, double> stageMs;
    for (auto _ : state) {
        auto result = m->analyzer->analyze(rgb, options);
        if (!result) {
            state.SkipWithError(result.message().c_str());
            return;
        }
        for (const auto& [stage, ms] : result->timingsMs)
            stageMs[stage] += ms;
    }
    for (const auto& [stage, ms] : stageMs)
        state.counters["ms " + stage] = ms / double(state.iterations());
    label(state, method + " at " + m->spec->camTarget + ", top-3, forward pass reused");
}

void BM_LayerSummaries(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    AnalysisOptions options = fullOptions();
    options.methods = {};
    setFaithfulness(options, false);
    const QImage& rgb = benchPhotos(nullptr).front().rgb;
    m->analyzer->analyze(rgb, options);  // keeps this photo's forward pass
    for (auto _ : state) {
        auto result = m->analyzer->analyze(rgb, options);
        if (!result) {
            state.SkipWithError(result.message().c_str());
            return;
        }
        state.SetIterationTime(result->timingsMs.at("feature maps") / 1000.0);
    }
    label(state, std::to_string(m->spec->taps.size()) + " taps, 16 tiles each, forward pass reused");
}

void BM_SwitchCamLayer(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    // The window's path: the engine (no result cache: a switch misses it anyway) reads and hashes the file, finds
    // the photo it decoded last, and its analyzer finds the photo's forward pass kept.
    AnalysisEngine engine(nullptr);
    AnalysisRequest request{benchPhotos(nullptr).front().path, {}, *m->spec, m->weights, fullOptions()};
    setFaithfulness(request.options, false);
    auto first = engine.run(request);  // loads the model, decodes the photo, keeps its forward pass
    if (!first) {
        state.SkipWithError(first.message().c_str());
        return;
    }
    // The other layer: the last tap whose map is larger than the CAM target's (a stage earlier, in a ResNet).
    const auto mapSize = [](const LayerResult& layer) { return layer.shape.size() == 3 ? layer.shape[1] : 0; };
    int64_t targetSize = 0;
    for (const LayerResult& layer : first->result->layers)
        if (layer.name == m->spec->camTarget)
            targetSize = mapSize(layer);
    std::string other;
    for (const LayerResult& layer : first->result->layers)
        if (mapSize(layer) > targetSize)
            other = layer.name;
    if (targetSize == 0 || other.empty()) {
        state.SkipWithError("no tap with a larger map than the CAM target");
        return;
    }
    const std::string layers[2] = {other, m->spec->camTarget};
    std::map<std::string, double> stageMs;
    int64_t switches = 0;
    for (auto _ : state) {
        double seconds = 0.0;
        for (const std::string& layer : layers) {
            request.options.camLayer = layer;
            FirstOverlayTimer timer(&stageMs, "read, hash, decoded image");
            engine.run(request, &timer.cancel, {}, [&](ResultPtr soFar) { timer.shown(*soFar); });
            if (timer.seconds() < 0) {
                state.SkipWithError("no partial result: the analysis failed");
                return;
            }
            seconds += timer.seconds();
            ++switches;
        }
        state.SetIterationTime(seconds);
    }
    if (engine.imageDecodes() != 1) {
        state.SkipWithError("the photo was decoded again");
        return;
    }
    for (const auto& [stage, ms] : stageMs)
        state.counters["ms " + stage] = ms / double(switches);
    state.SetItemsProcessed(switches);
    label(state, other + " <-> " + m->spec->camTarget + ", file to first overlay, forward pass kept");
}

void BM_CacheHit(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    const bool disk = state.range(0) != 0;
    const Photo& photo = benchPhotos(nullptr).front();
    const AnalysisOptions options = fullOptions();
    auto analysed = m->analyzer->analyze(photo.rgb, options);
    if (!analysed) {
        state.SkipWithError(analysed.message().c_str());
        return;
    }
    QTemporaryDir folder;
    ResultCacheConfig config;
    if (disk)
        config.diskDirectory = folder.path();
    const CacheKey stored = CacheKey::make(photo.bytes, id, m->weights, options.key());
    auto cache = std::make_unique<ResultCache>(config);
    cache->store(stored, std::make_shared<const AnalysisResult>(std::move(*analysed)));
    for (auto _ : state) {
        if (disk) {  // a new session: nothing in memory, the file is there
            state.PauseTiming();
            cache = std::make_unique<ResultCache>(config);
            state.ResumeTiming();
        }
        auto bytes = readImageFile(photo.path);
        const CacheKey key = CacheKey::make(*bytes, id, m->weights, options.key());
        auto result = cache->find(key);
        if (!result) {
            state.SkipWithError("cache miss");
            return;
        }
        const QImage shown = displayed(overlayOf(*result));
        benchmark::DoNotOptimize(shown.constBits());
    }
    label(state, disk ? "from disk" : "from memory");
}

void BM_SwitchView(benchmark::State& state, const std::string& id)
{
    const Model* m = ready(state, id);
    if (!m)
        return;
    AnalysisOptions options = fullOptions();
    setFaithfulness(options, false);
    auto result = m->analyzer->analyze(benchPhotos(nullptr).front().rgb, options);
    if (!result || result->cams.empty()) {
        state.SkipWithError(result ? "no heatmaps" : result.message().c_str());
        return;
    }
    const std::vector<Colormap> colormaps = {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno};
    size_t step = 0;
    for (auto _ : state) {
        const CamResult& cam = result->cams[step % result->cams.size()];
        const Colormap colormap = colormaps[(step / result->cams.size()) % colormaps.size()];
        ++step;
        const QImage shown = displayed(overlayHeatmap(result->input, cam.heatmap, cam.heatmapSize, colormap, 0.5f));
        benchmark::DoNotOptimize(shown.constBits());
    }
    label(state, std::to_string(result->cams.size()) + " classes × 4 colormaps, in turn");
}

// Per model, in comparedModels() order; Score-CAM (hundreds of masked forward passes) once per repetition.
[[maybe_unused]] const bool registered = [] {
    benchmark::RegisterBenchmark("BM_Decode", BM_Decode)->Unit(benchmark::kMillisecond)->UseRealTime();
    for (const std::string& id : comparedModels()) {
        const auto name = [&id](const char* what) { return std::string(what) + "/" + id; };
        benchmark::RegisterBenchmark(name("BM_Load").c_str(), BM_Load, id)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_Preprocess").c_str(), BM_Preprocess, id)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_BareForward").c_str(), BM_BareForward, id)
            ->Arg(1)
            ->Arg(0)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_FirstOverlay").c_str(), BM_FirstOverlay, id)
            ->Unit(benchmark::kMillisecond)
            ->UseManualTime();
        benchmark::RegisterBenchmark(name("BM_FullAnalysis").c_str(), BM_FullAnalysis, id)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_SameWork").c_str(), BM_SameWork, id)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_LayerSummaries").c_str(), BM_LayerSummaries, id)
            ->Unit(benchmark::kMillisecond)
            ->UseManualTime();
        benchmark::RegisterBenchmark(name("BM_SwitchCamLayer").c_str(), BM_SwitchCamLayer, id)
            ->Unit(benchmark::kMillisecond)
            ->UseManualTime();
        benchmark::RegisterBenchmark(name("BM_CacheHit").c_str(), BM_CacheHit, id)
            ->Arg(0)
            ->Arg(1)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        benchmark::RegisterBenchmark(name("BM_SwitchView").c_str(), BM_SwitchView, id)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
        for (const MethodInfo& method : methodCatalogue()) {
            auto* bench = benchmark::RegisterBenchmark((name("BM_CamMethod") + "/" + method.id).c_str(), BM_CamMethod,
                                                       id, method.id);
            bench->Unit(benchmark::kMillisecond)->UseRealTime();
            if (method.id == "scorecam")
                bench->Iterations(1);
        }
    }
    return true;
}();

}  // namespace
