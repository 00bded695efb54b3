// Benchmarks of the per-image work: preprocessing a camera-sized photo, and one forward pass per model.
// Results and the machine they were taken on: tests/bench/RESULTS.md. Not part of ctest.

#include "benchsupport.h"

#include "core/common/threads.h"
#include "core/image/preprocess.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"

#include <benchmark/benchmark.h>

#include <QImage>

namespace {

QImage cameraPhoto()
{
    // A 12-megapixel gradient with texture: resampling cost depends on size, not content.
    QImage image(4000, 3000, QImage::Format_RGB888);
    for (int y = 0; y < image.height(); ++y) {
        uchar* row = image.scanLine(y);
        for (int x = 0; x < image.width(); ++x) {
            row[3 * x + 0] = static_cast<uchar>(x * 255 / image.width());
            row[3 * x + 1] = static_cast<uchar>(y * 255 / image.height());
            row[3 * x + 2] = static_cast<uchar>((x ^ y) & 0xff);
        }
    }
    return image;
}

void BM_Preprocess(benchmark::State& state)
{
    const QImage photo = cameraPhoto();
    convlens::PreprocessSpec spec;
    spec.resizeSize = 232;
    spec.interpolation = state.range(0) ? convlens::Interpolation::Bicubic : convlens::Interpolation::Bilinear;
    for (auto _ : state)
        benchmark::DoNotOptimize(convlens::preprocess(photo, spec));
    state.SetLabel(state.range(0) ? "4000x3000 -> 224, bicubic" : "4000x3000 -> 224, bilinear");
}
BENCHMARK(BM_Preprocess)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Forward(benchmark::State& state, const std::string& id, int size)
{
    convlens::bench::applyBenchThreads();
    auto net = convlens::createNetwork(id);
    if (!net) {
        state.SkipWithError(net.message().c_str());
        return;
    }
    torch::NoGradGuard noGrad;
    const torch::Tensor x = torch::randn({1, 3, size, size});
    (*net)->forward(x);  // warm-up: oneDNN picks its kernels on the first call
    for (auto _ : state)
        benchmark::DoNotOptimize((*net)->forward(x));
    state.SetLabel(std::to_string(convlens::inferenceThreads()) + " threads, " + std::to_string(size) + "px");
}

// id, crop size of its default weights
BENCHMARK_CAPTURE(BM_Forward, resnet18, "resnet18", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, resnet50, "resnet50", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, mobilenet_v2, "mobilenet_v2", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, mobilenet_v3_small, "mobilenet_v3_small", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, mobilenet_v3_large, "mobilenet_v3_large", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, efficientnet_b0, "efficientnet_b0", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, efficientnet_b2, "efficientnet_b2", 288)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, efficientnet_b3, "efficientnet_b3", 300)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, densenet121, "densenet121", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, convnext_tiny, "convnext_tiny", 224)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Forward, shufflenet_v2_x1_0, "shufflenet_v2_x1_0", 224)->Unit(benchmark::kMillisecond);

}  // namespace
