#pragma once
// AnalysisRequest: "this image, this model, these weights, these options", as the session makes it.
// AnalysisBackend: what the session (core/session) needs from the engine — the work for a request, a network's
// description, the thread count — so the session stays torch-free and can be tested with a stand-in.
//
// AnalysisEngine: the real backend; turns "this image, this model, these options" into a JobWork for JobService, shared
// by the desktop application and the CLI. The work decodes the image safely (core/image), looks the result up in the
// ResultCache (key: sha256 of the file's bytes + model + weights identity + options), otherwise (the image decoded
// last is kept: another CAM layer, method or class of the photo on screen is not decoded again) acquires the
// model's Analyzer from a ModelPool bounded by memory, analyses, sets result.imageSha256 and stores the result.
//
// Ownership: the engine is a cheap handle; every work it made shares its cache and model pool (std::shared_ptr),
// so they outlive the engine while a job needs them.
// Threads: makeWork() from any thread; the work runs on the JobService worker. run() is the same work without
// a job, for callers without an event loop (the CLI). Analyses run one at a time (JobService has one worker):
// two at once of the same model would share its loaded network.
// Failure: the work fails with a message naming the image (request.imagePath as given, or "pasted image") and
// the problem: unreadable or corrupt image, missing or unfitting weights, unknown layer or method; nothing throws.

#include "core/batch/batchbackend.h"
#include "core/inspect/networkdescription.h"
#include "core/jobs/job.h"
#include "core/jobs/resultcache.h"
#include "core/registry/modelspec.h"

#include <QByteArray>
#include <QImage>
#include <QString>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace convlens {

struct AnalysisRequest {
    QString imagePath;      // the file to analyse; shown in messages
    QByteArray imageBytes;  // encoded bytes (a pasted image); when non-empty used instead of reading imagePath
    ModelSpec spec;
    QString weightsPath;  // checkpoint to load; empty = untrained (the UI allows it only after an explicit choice)
    AnalysisOptions options;
};

class AnalysisBackend {
public:
    virtual ~AnalysisBackend() = default;
    // The work for one request, to run on a JobService worker.
    virtual JobWork makeWork(AnalysisRequest request) const = 0;
    // The network diagram's data for `spec` (builds the network once, off the GUI thread: the session calls this
    // from a QtConcurrent worker).
    virtual Expected<NetworkDescription> describe(const ModelSpec& spec,
                                                  const std::vector<CategorySpec>& categories) const = 0;
    // Intra-op threads for every inference from now on, on whichever thread it runs; <= 0 means automatic (core/common/threads.h).
    virtual void setThreads(int count) const = 0;
    // The device of every inference from now on ("cpu", "cuda", "cuda:N"): its canonical name, or why it cannot be
    // used (the device is then unchanged). The devices this machine offers, "cpu" first.
    virtual Expected<std::string> setDevice(const std::string& name) const = 0;
    virtual std::vector<std::string> devices() const = 0;
};

class AnalysisEngine : public AnalysisBackend, public BatchBackend {
public:
    // `cache` may be null (no caching). Loaded models are kept until their parameters exceed `modelMemoryBytes`
    // (the most recently used model is always kept).
    explicit AnalysisEngine(std::shared_ptr<ResultCache> cache, std::size_t modelMemoryBytes = 1ull << 30);

    // The work for one request. Progress stages: "reading image", "cached" or "loading <display name>", then the
    // Analyzer's stages.
    JobWork makeWork(AnalysisRequest request) const override;
    Expected<NetworkDescription> describe(const ModelSpec& spec,
                                          const std::vector<CategorySpec>& categories) const override;
    void setThreads(int count) const override;
    Expected<std::string> setDevice(const std::string& name) const override;  // core/common/computedevice.h
    std::vector<std::string> devices() const override;

    // BatchBackend (core/batch/batchbackend.h): folder batches, on the same model pool. No result cache here: the
    // batch runner looks results up itself (it knows the image bytes).
    Expected<std::vector<ClassifyOutput>> classify(const ModelSpec& spec, const QString& weightsPath,
                                                   const std::vector<PreprocessedImage>& images, int topK,
                                                   const std::string& meanLayer, int threads,
                                                   const std::atomic<bool>* cancel) const override;
    int inferenceThreads() const override;
    Expected<AnalysisResult> analyzeImage(const ModelSpec& spec, const QString& weightsPath, const QImage& rgb,
                                          const AnalysisOptions& options,
                                          const std::atomic<bool>* cancel) const override;

    // What run() delivers: the result, and whether it came from the cache.
    struct Run {
        ResultPtr result;
        bool cached = false;
    };
    using Progress = std::function<void(double fraction, const std::string& stage)>;
    // A result delivered before the analysis ends (Analyzer::analyze's `partial`: after each CAM method but the
    // last stage), with imageSha256 set; never for a cached result, never stored.
    using Partial = std::function<void(ResultPtr soFar)>;

    // The work of makeWork() on the calling thread. `cancel` (may be null) is polled between stages; a result
    // computed while it became true is returned but not stored. makeWork()'s work passes `partial` on as the
    // job's partial results (JobContext::deliverPartial).
    Expected<Run> run(const AnalysisRequest& request, const std::atomic<bool>* cancel = nullptr,
                      const Progress& progress = {}, const Partial& partial = {}) const;

    const std::shared_ptr<ResultCache>& cache() const { return mCache; }

    // The model pool, observable for tests and a status bar: models held, bytes of their parameters, loads.
    int loadedModels() const;
    std::size_t loadedModelBytes() const;
    long long modelLoads() const;
    // Images decoded so far: the one decoded last is kept (by the sha256 of its bytes) for the next request.
    long long imageDecodes() const;

    struct Pool;  // what every copy shares: ModelPool<Analyzer> and the image decoded last; defined in the .cpp

private:
    // The image of `bytes` (sha256 `sha256`, named `name` in messages) as RGB888: the kept one when it is the image
    // decoded last, else decoded and kept.
    Expected<QImage> decodedImage(const QByteArray& bytes, const std::string& sha256, const std::string& name) const;

    std::shared_ptr<ResultCache> mCache;
    std::shared_ptr<Pool> mPool;
};

}  // namespace convlens
