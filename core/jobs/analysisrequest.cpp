#include "core/jobs/analysisrequest.h"

#include "core/common/computedevice.h"
#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/inspect/analyzer.h"
#include "core/jobs/cachekey.h"
#include "core/jobs/jobcontext.h"
#include "core/jobs/modelpool.h"

#include <exception>
#include <mutex>
#include <utility>

namespace convlens {

struct AnalysisEngine::Pool {
    explicit Pool(std::size_t maxBytes)
        : models(maxBytes, [](const Analyzer& analyzer) { return analyzer.parameterBytes(); })
    {
    }
    ModelPool<Analyzer> models;

    // The image decoded last, by the sha256 of its bytes: the next request for it (another CAM layer, method,
    // class or model: a cache miss of the same photo) does not decode it again. QImage shares its pixels, and
    // nobody writes them.
    std::mutex decodedMutex;
    std::string decodedSha256;  // guarded by decodedMutex, as decoded
    QImage decoded;
    std::atomic<long long> decodes{0};
};

namespace {

// Share of the progress bar before the Analyzer starts (reading, hashing, loading).
constexpr double kPreparedFraction = 0.05;

std::string nameOf(const AnalysisRequest& request)
{
    return request.imagePath.isEmpty() ? std::string("pasted image") : request.imagePath.toStdString();
}

bool cancelled(const std::atomic<bool>* cancel)
{
    return cancel && cancel->load();
}

// The encoded bytes of the request's image (core/image/imagefile.h checks the file before reading it).
Expected<QByteArray> readBytes(const AnalysisRequest& request, const std::string& name)
{
    if (!request.imageBytes.isEmpty())
        return request.imageBytes;
    if (request.imagePath.isEmpty())
        return makeError(ErrorKind::Internal, "no image given: neither a file nor pasted image data (internal error)");
    return readImageFile(request.imagePath, DecodeLimits{}, QString::fromStdString(name));
}

// Identifies a loaded network: the same id may name another architecture or class count in a user registry, and
// a replaced checkpoint must be reloaded, and so must a model loaded for another device.
std::string poolKey(const ModelSpec& spec, const QString& weightsPath)
{
    return spec.id + "|" + spec.architecture + "|" + std::to_string(spec.numClasses) + "|" +
           CacheKey::identifyWeights(weightsPath) + "|" + computeDevice();
}

Expected<std::shared_ptr<Analyzer>> acquireAnalyzer(ModelPool<Analyzer>& pool, const ModelSpec& spec,
                                                    const QString& weightsPath)
{
    return pool.acquire(poolKey(spec, weightsPath), [&]() -> Expected<std::shared_ptr<Analyzer>> {
        auto created = Analyzer::create(spec, weightsPath);
        if (!created)
            return created.error();
        return std::make_shared<Analyzer>(std::move(*created));
    });
}

}  // namespace

AnalysisEngine::AnalysisEngine(std::shared_ptr<ResultCache> cache, std::size_t modelMemoryBytes)
    : mCache(std::move(cache)), mPool(std::make_shared<Pool>(modelMemoryBytes))
{
}

JobWork AnalysisEngine::makeWork(AnalysisRequest request) const
{
    // The work holds copies of the shared pointers, so the cache and the pool outlive the engine if need be.
    AnalysisEngine engine = *this;
    return [engine = std::move(engine), request = std::move(request)](JobContext& context) -> Expected<ResultPtr> {
        auto run = engine.run(request, context.cancelFlag(), context.progressCallback(),
                              [&context](ResultPtr soFar) { context.deliverPartial(std::move(soFar)); });
        if (!run)
            return run.error();
        return run->result;
    };
}

Expected<AnalysisEngine::Run> AnalysisEngine::run(const AnalysisRequest& request, const std::atomic<bool>* cancel,
                                                  const Progress& progress, const Partial& partial) const
{
    const std::string name = nameOf(request);
    auto report = [&](double fraction, const std::string& stage) {
        if (progress)
            progress(fraction, stage);
    };
    auto stopped = [&]() -> Error { return makeError(ErrorKind::Cancelled, name + ": analysis cancelled"); };
    try {
        applyInferenceThreads();  // OpenMP keeps the count per thread; this runs on a JobService pool thread
        report(0.0, "reading image");
        auto bytes = readBytes(request, name);
        if (!bytes)
            return bytes.error();
        if (cancelled(cancel))
            return stopped();

        const CacheKey key = CacheKey::make(*bytes, request.spec.id, request.weightsPath, request.options.key());
        if (mCache) {
            if (ResultPtr hit = mCache->find(key)) {
                report(1.0, "cached");
                return Run{std::move(hit), true};
            }
        }

        auto rgb = decodedImage(*bytes, key.imageSha256, name);
        if (!rgb)
            return rgb.error();
        if (cancelled(cancel))
            return stopped();

        const std::string& model = request.spec.displayName.empty() ? request.spec.id : request.spec.displayName;
        report(kPreparedFraction / 2, "loading " + model);  // shown as is in the status bar
        auto analyzer = acquireAnalyzer(mPool->models, request.spec, request.weightsPath);
        if (!analyzer)
            return analyzer.error().withContext(name);
        if (cancelled(cancel))
            return stopped();

        Analyzer::PartialFn soFar;
        if (partial) {
            soFar = [&](const AnalysisResult& result) {
                auto copy = std::make_shared<AnalysisResult>(result);
                copy->imageSha256 = key.imageSha256;
                partial(std::move(copy));
            };
        }
        auto analyzed = analyzer.value()->analyze(
            *rgb, request.options, cancel,
            [&](double fraction, const std::string& stage) {
                report(kPreparedFraction + (1.0 - kPreparedFraction) * fraction, stage);
            },
            soFar);
        if (!analyzed)
            return analyzed.error().withContext(name);
        analyzed->imageSha256 = key.imageSha256;
        ResultPtr result = std::make_shared<const AnalysisResult>(std::move(*analyzed));
        // A result finished after a cancel may be incomplete; it is delivered to nobody, so it is not kept either.
        if (mCache && !cancelled(cancel))
            mCache->store(key, result);
        return Run{std::move(result), false};
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Internal, name + ": analysis failed: " + e.what());
    }
}

Expected<QImage> AnalysisEngine::decodedImage(const QByteArray& bytes, const std::string& sha256,
                                              const std::string& name) const
{
    {
        const std::lock_guard<std::mutex> lock(mPool->decodedMutex);
        if (!mPool->decoded.isNull() && mPool->decodedSha256 == sha256)
            return mPool->decoded;
    }
    auto rgb = decodeImageData(bytes, QString::fromStdString(name));
    ++mPool->decodes;
    if (rgb) {
        const std::lock_guard<std::mutex> lock(mPool->decodedMutex);
        mPool->decodedSha256 = sha256;
        mPool->decoded = *rgb;
    }
    return rgb;
}

long long AnalysisEngine::imageDecodes() const
{
    return mPool->decodes.load();
}

Expected<NetworkDescription> AnalysisEngine::describe(const ModelSpec& spec,
                                                     const std::vector<CategorySpec>& categories) const
{
    return describeNetwork(spec, categories);
}

void AnalysisEngine::setThreads(int count) const
{
    setInferenceThreads(count);
}

Expected<std::string> AnalysisEngine::setDevice(const std::string& name) const
{
    return setComputeDevice(name);
}

std::vector<std::string> AnalysisEngine::devices() const
{
    return availableComputeDevices();
}

int AnalysisEngine::loadedModels() const
{
    return mPool->models.size();
}

std::size_t AnalysisEngine::loadedModelBytes() const
{
    return mPool->models.bytes();
}

long long AnalysisEngine::modelLoads() const
{
    return mPool->models.loads();
}

Expected<std::vector<ClassifyOutput>> AnalysisEngine::classify(const ModelSpec& spec, const QString& weightsPath,
                                                               const std::vector<PreprocessedImage>& images, int topK,
                                                               const std::string& meanLayer, int threads,
                                                               const std::atomic<bool>* cancel) const
{
    auto analyzer = acquireAnalyzer(mPool->models, spec, weightsPath);
    if (!analyzer)
        return analyzer.error();
    const ThisThreadInferenceThreads own(threads);  // 0: the configured count
    return (*analyzer)->classify(images, topK, meanLayer, cancel);
}

int AnalysisEngine::inferenceThreads() const
{
    return applyInferenceThreads();
}

Expected<AnalysisResult> AnalysisEngine::analyzeImage(const ModelSpec& spec, const QString& weightsPath,
                                                      const QImage& rgb, const AnalysisOptions& options,
                                                      const std::atomic<bool>* cancel) const
{
    auto analyzer = acquireAnalyzer(mPool->models, spec, weightsPath);
    if (!analyzer)
        return analyzer.error();
    return (*analyzer)->analyze(rgb, options, cancel);
}

}  // namespace convlens
