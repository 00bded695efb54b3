// Benchmarks of folder batches (issue: throughput and memory). Results: tests/bench/RESULTS.md. Not part of ctest.
//
// BM_BatchedForward   the raw batched forward pass: B preprocessed images through Analyzer::classify, nothing else
//                     (items/s is the ceiling a batch can reach).
// BM_BatchedForwardStreams  the same passes the way a batch runs them: one per inference thread, side by side,
//                     each on one thread (the ceiling of BM_BatchRunner's arrangement).
// BM_BatchRunner      the whole batch: reading and decoding JPEG files, preprocessing, the batched forward pass,
//                     records streamed to disk (BatchRunner with the real engine, no result cache, no reports).
//                     Target: ≥ 0.9 × BM_BatchedForward's items/s for the same model and B.
// BM_BatchMemory      peak RSS over a 1,000-image batch against the peak after its first 50 images (the peak is
//                     reset at the start through /proc/self/clear_refs). Target: ratio ≤ 1.2.

#include "benchsupport.h"

#include "core/batch/batchrunner.h"
#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/image/preprocess.h"
#include "core/image/thumbnail.h"
#include "core/inspect/analyzer.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/cachekey.h"
#include "core/registry/modelregistry.h"

#include <benchmark/benchmark.h>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>

#include <map>
#include <memory>
#include <optional>
#include <thread>

namespace {

using namespace convlens;
using bench::findSpec;

// A photo-like 640×480 image, different for each `seed` (so no two files share bytes).
QImage photo(int seed)
{
    QImage image(640, 480, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y) {
        uchar* row = image.scanLine(y);
        for (int x = 0; x < image.width(); ++x) {
            row[3 * x + 0] = static_cast<uchar>((x + seed * 7) * 255 / 700);
            row[3 * x + 1] = static_cast<uchar>((y * 3 + seed) & 0xff);
            row[3 * x + 2] = static_cast<uchar>(((x * seed) ^ y) & 0xff);
        }
    }
    return image;
}

// A folder of `count` JPEG photos (quality 90, about 100 KB each), made once per process per count.
QString photoFolder(int count)
{
    static std::map<int, std::unique_ptr<QTemporaryDir>> folders;
    auto& folder = folders[count];
    if (!folder) {
        folder = std::make_unique<QTemporaryDir>();
        for (int i = 0; i < count; ++i)
            photo(i).save(folder->filePath(QStringLiteral("photo%1.jpg").arg(i, 5, 10, QLatin1Char('0'))), "JPEG", 90);
    }
    return folder->path();
}

long peakRssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').front().toLong();
    return -1;
}

void resetPeakRss()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
}

// What the batched-forward benchmarks share: the bench's threads, the model's analyzer (none, and the benchmark
// skipped, when it cannot be built) and state.range(0) copies of one preprocessed photo.
struct ForwardSetup {
    std::optional<Analyzer> analyzer;
    std::vector<PreprocessedImage> images;
};
ForwardSetup forwardSetup(benchmark::State& state, const std::string& id)
{
    bench::applyBenchThreads();
    ForwardSetup setup;
    const ModelSpec* spec = findSpec(id);
    auto analyzer = spec ? Analyzer::create(*spec, {}) : Expected<Analyzer>(makeError(ErrorKind::BadInput, id));
    if (!analyzer) {
        state.SkipWithError(analyzer.message().c_str());
        return setup;
    }
    setup.analyzer.emplace(std::move(*analyzer));
    setup.images.assign(std::size_t(state.range(0)), preprocess(photo(1), spec->preprocess));
    return setup;
}

void BM_BatchedForward(benchmark::State& state, const std::string& id)
{
    ForwardSetup setup = forwardSetup(state, id);
    if (!setup.analyzer)
        return;
    const int batch = int(state.range(0));
    setup.analyzer->classify(setup.images, 5, {});  // warm-up: oneDNN picks its kernels for this shape
    for (auto _ : state)
        benchmark::DoNotOptimize(setup.analyzer->classify(setup.images, 5, {}));
    state.SetItemsProcessed(state.iterations() * batch);
    state.SetLabel(std::to_string(inferenceThreads()) + " threads, batch " + std::to_string(batch));
}

// The raw forward passes as a batch runs them (BatchOptions::streams): one pass of B images per inference thread,
// side by side, each on one thread. items/s is the ceiling of that arrangement.
void BM_BatchedForwardStreams(benchmark::State& state, const std::string& id)
{
    ForwardSetup setup = forwardSetup(state, id);
    if (!setup.analyzer)
        return;
    const int streams = std::max(1, inferenceThreads());
    const auto pass = [&] {
        const ThisThreadInferenceThreads one(1);
        benchmark::DoNotOptimize(setup.analyzer->classify(setup.images, 5, {}));
    };
    const auto round = [&] {
        std::vector<std::thread> others;
        for (int i = 1; i < streams; ++i)
            others.emplace_back(pass);
        pass();
        for (std::thread& thread : others)
            thread.join();
    };
    round();  // warm-up
    for (auto _ : state)
        round();
    const int batch = int(state.range(0));
    state.SetItemsProcessed(state.iterations() * batch * streams);
    state.SetLabel(std::to_string(streams) + " passes of batch " + std::to_string(batch) +
                   " side by side, 1 thread each");
}

// What the decoding threads do per file (BatchRunner's decodeFile): read, hash, decode, thumbnail, preprocess.
void BM_DecodeFile(benchmark::State& state)
{
    const QString file = QDir(photoFolder(96)).filePath(QStringLiteral("photo00001.jpg"));
    const ModelSpec* spec = findSpec("resnet18");
    const int part = int(state.range(0));
    for (auto _ : state) {
        auto bytes = readImageFile(file);
        if (part >= 1)
            benchmark::DoNotOptimize(CacheKey::sha256Hex(*bytes));
        auto image = decodeImageData(*bytes, file);
        if (part >= 2)
            benchmark::DoNotOptimize(thumbnailOf(*image, 96));
        if (part >= 3)
            benchmark::DoNotOptimize(preprocess(*image, spec->preprocess));
    }
    const char* labels[] = {"read + decode", "+ sha256", "+ thumbnail", "+ preprocess"};
    state.SetLabel(std::string(labels[part]) + ", 640x480 JPEG");
}
BENCHMARK(BM_DecodeFile)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

void BM_BatchRunner(benchmark::State& state, const std::string& id)
{
    bench::applyBenchThreads();
    const ModelSpec* spec = findSpec(id);
    if (!spec) {
        state.SkipWithError("unknown model");
        return;
    }
    constexpr int kImages = 96;
    const QString folder = photoFolder(kImages);
    auto engine = std::make_shared<const AnalysisEngine>(nullptr);
    BatchPlan plan;
    plan.inputs = {folder};
    plan.models = {{*spec, {}}};
    plan.options.batchSize = int(state.range(0));
    const auto runOnce = [&] {
        QTemporaryDir out;
        plan.outDir = out.path();
        BatchRunner runner(engine, nullptr, plan);
        if (!runner.prepare())
            return false;
        while (!runner.finished())
            if (!runner.step())
                return false;
        return true;
    };
    runOnce();  // warm-up: loads the model, fills the page cache
    for (auto _ : state)
        if (!runOnce()) {
            state.SkipWithError("the batch failed");
            return;
        }
    state.SetItemsProcessed(state.iterations() * kImages);
    state.SetLabel(std::to_string(inferenceThreads()) + " threads, batch " + std::to_string(state.range(0)) +
                   ", 640x480 JPEG files");
}

void BM_BatchMemory(benchmark::State& state, const std::string& id)
{
    bench::applyBenchThreads();
    const ModelSpec* spec = findSpec(id);
    if (!spec) {
        state.SkipWithError("unknown model");
        return;
    }
    constexpr int kImages = 1000;
    const QString folder = photoFolder(kImages);
    auto engine = std::make_shared<const AnalysisEngine>(nullptr);
    for (auto _ : state) {
        QTemporaryDir out;
        BatchPlan plan;
        plan.inputs = {folder};
        plan.models = {{*spec, {}}};
        plan.outDir = out.path();
        plan.options.exemplarLayer = spec->camTarget;
        BatchRunner runner(engine, nullptr, plan);
        if (!runner.prepare()) {
            state.SkipWithError("prepare failed");
            return;
        }
        resetPeakRss();
        long after50 = -1;
        while (!runner.finished()) {
            if (!runner.step()) {
                state.SkipWithError("the batch failed");
                return;
            }
            if (after50 < 0 && runner.processed() >= 50)
                after50 = peakRssKb();
        }
        runner.finish();
        const long end = peakRssKb();
        state.counters["peak_after_50_MiB"] = double(after50) / 1024.0;
        state.counters["peak_after_1000_MiB"] = double(end) / 1024.0;
        state.counters["ratio"] = after50 > 0 ? double(end) / double(after50) : 0.0;
    }
}

// Batch sizes measured for the registry's `batch_size` (the fastest per model).
// Rates from wall time: the runner's decoding threads work beside the timed thread.
#define CONVLENS_BATCH_SIZES ->Arg(1)->Arg(4)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime()
BENCHMARK_CAPTURE(BM_BatchedForward, resnet18, "resnet18") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, resnet18, "resnet18") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, resnet18, "resnet18") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, mobilenet_v3_small, "mobilenet_v3_small") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, mobilenet_v3_small, "mobilenet_v3_small") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, mobilenet_v3_small, "mobilenet_v3_small") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, resnet50, "resnet50") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, resnet50, "resnet50") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, resnet50, "resnet50") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, mobilenet_v2, "mobilenet_v2") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, mobilenet_v3_large, "mobilenet_v3_large") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, mobilenet_v3_large, "mobilenet_v3_large") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, mobilenet_v3_large, "mobilenet_v3_large") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, efficientnet_b0, "efficientnet_b0") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, efficientnet_b2, "efficientnet_b2") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, efficientnet_b3, "efficientnet_b3") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, efficientnet_b3, "efficientnet_b3") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, efficientnet_b3, "efficientnet_b3") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, densenet121, "densenet121") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, convnext_tiny, "convnext_tiny") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForwardStreams, convnext_tiny, "convnext_tiny") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchRunner, convnext_tiny, "convnext_tiny") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchedForward, shufflenet_v2_x1_0, "shufflenet_v2_x1_0") CONVLENS_BATCH_SIZES;
BENCHMARK_CAPTURE(BM_BatchMemory, mobilenet_v3_small, "mobilenet_v3_small")->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
