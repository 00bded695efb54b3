// convlens_bench's main: a QGuiApplication on the offscreen platform (the batch benchmarks write summary pages,
// which draw text), then Google Benchmark.
#include "core/common/cpupolicy.h"

#include <benchmark/benchmark.h>

#include <QGuiApplication>

int main(int argc, char** argv)
{
    convlens::applyWaitPolicy(argv);  // first: it may execute the program again (core/common/cpupolicy.h)
    convlens::applyAllocatorPolicy();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
