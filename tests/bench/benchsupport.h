#pragma once
// What the benchmark files share: the bundled registry's specs, the thread count, the seeded fixture checkpoints
// and the photos the per-image benchmarks (and tests/bench/reference_pipeline.py) work on.
//
// Environment, so that tests/bench/run.sh can point both sides at the same inputs:
//   CONVLENS_BENCH_THREADS  intra-op threads of every inference (default 0: automatic, as ConvLens by default)
//   CONVLENS_BENCH_MODELS   folder of the checkpoints, torchvision's file names (default: the fixture step's
//                           <build>/fixtures/models, written by `ctest -R fixture.models`)
//   CONVLENS_BENCH_PHOTOS   photo files separated by ':' (default: scikit-image's chelsea, coffee, astronaut)
//
// Threads: call from the benchmark's thread. Failure: nullptr / empty values, which the benchmarks turn into
// SkipWithError with the message these helpers give.

#include <QByteArray>
#include <QImage>
#include <QString>

#include <string>
#include <vector>

namespace convlens {
struct ModelSpec;
}

namespace convlens::bench {

// The bundled registry's entry `id`, or nullptr (registry unreadable or unknown id). Loaded once per process.
const ModelSpec* findSpec(const std::string& id);

// Applies CONVLENS_BENCH_THREADS (setInferenceThreads) on the calling thread; returns the count in effect.
int applyBenchThreads();

// The checkpoint of `spec` in CONVLENS_BENCH_MODELS (or the fixture folder); empty when the file is missing, and
// then `why` says what to run.
QString fixtureWeights(const ModelSpec& spec, std::string* why);

struct Photo {
    QString path;
    QByteArray bytes;  // the encoded file
    QImage rgb;        // decoded, Format_RGB888
};

// The photos, read and decoded once per process; empty when one cannot be read (then `why` says which).
const std::vector<Photo>& benchPhotos(std::string* why);

// The models of issue 12's comparison, in the order BENCHMARKS.md lists them.
const std::vector<std::string>& comparedModels();

}  // namespace convlens::bench
