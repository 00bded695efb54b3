#pragma once
// AnalysisEngine: turns "this image, this model, these options" into a JobWork for JobService, shared by the
// desktop application and the CLI. The work decodes the image safely (core/image), looks the result up in the
// ResultCache (key: sha256 of the file's bytes + model + weights identity + options), otherwise acquires the
// model's Analyzer from a ModelPool bounded by memory, analyses, sets result.imageSha256 and stores the result.
//
// Ownership: the engine is shared (std::shared_ptr) by every work it made, so it outlives them.
// Threads: makeWork() from any thread; the work runs on the JobService worker. Failure: the work fails with a
// message naming the image file (or "pasted image") and the problem: unreadable or corrupt image, missing or
// unfitting weights, unknown layer or method; nothing throws.

#include "core/jobs/job.h"
#include "core/jobs/resultcache.h"
#include "core/registry/modelspec.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <memory>

namespace convlens {

struct AnalysisRequest {
    QString imagePath;      // the file to analyse; shown in messages
    QByteArray imageBytes;  // encoded bytes (a pasted image); when non-empty used instead of reading imagePath
    ModelSpec spec;
    QString weightsPath;  // checkpoint to load; empty = untrained (the UI allows it only after an explicit choice)
    AnalysisOptions options;
};

class AnalysisEngine {
public:
    // `cache` may be null (no caching). Loaded models are kept until their parameters exceed `modelMemoryBytes`
    // (the most recently used model is always kept).
    explicit AnalysisEngine(std::shared_ptr<ResultCache> cache, std::size_t modelMemoryBytes = 1ull << 30);

    // The work for one request. Progress stages: "reading image", "cached" or "loading <model>", then the
    // Analyzer's stages.
    JobWork makeWork(AnalysisRequest request) const;

    const std::shared_ptr<ResultCache>& cache() const { return mCache; }

    struct Pool;  // ModelPool<Analyzer>, defined in the .cpp

private:
    std::shared_ptr<ResultCache> mCache;
    std::shared_ptr<Pool> mPool;
};

}  // namespace convlens
