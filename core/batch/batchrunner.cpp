#include "core/batch/batchrunner.h"

#include "core/batch/batchstats.h"
#include "core/batch/groundtruth.h"
#include "core/common/cpupolicy.h"
#include "core/common/handover.h"
#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/image/thumbnail.h"
#include "core/jobs/cachekey.h"
#include "core/jobs/job.h"
#include "core/report/batchsheets.h"
#include "core/report/reportpage.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QFuture>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace convlens {

namespace {

constexpr int kThumbnailSize = 96;
constexpr int kReportsInFlight = 4;  // results waiting for the report writer (each holds its heatmaps)
constexpr int kMaxModels = 32;       // models of one batch (bit mask of models done per image)
constexpr int kMaxStreams = 16;      // forward passes side by side

double msSince(const QElapsedTimer& timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

std::string preprocessKey(const PreprocessSpec& spec)
{
    return std::to_string(spec.resizeSize) + "/" + std::to_string(spec.cropSize) + "/" +
           std::to_string(int(spec.interpolation)) + "/" + std::to_string(spec.mean[0]) + "," +
           std::to_string(spec.mean[1]) + "," + std::to_string(spec.mean[2]) + "/" + std::to_string(spec.std[0]) +
           "," + std::to_string(spec.std[1]) + "," + std::to_string(spec.std[2]);
}

// One file read, hashed, decoded and preprocessed once for each distinct preprocessing of the batch's models.
struct Decoded {
    std::string sha256;
    QImage rgb;  // kept only when reports need the full image
    QImage thumbnail;
    std::vector<PreprocessedImage> inputs;  // per preprocessing group
    std::string error;                      // the file could not be read or decoded
    double decodeMs = 0.0;
    double preprocessMs = 0.0;
};

Decoded decodeFile(const BatchFile& file, const std::vector<PreprocessSpec>& groups, bool keepImage)
{
    Decoded decoded;
    QElapsedTimer timer;
    timer.start();
    auto bytes = readImageFile(file.path, DecodeLimits{}, file.relative);
    if (!bytes) {
        decoded.error = bytes.message();
        return decoded;
    }
    decoded.sha256 = CacheKey::sha256Hex(*bytes);
    auto image = decodeImageData(*bytes, file.relative);
    if (!image) {
        decoded.error = image.message();
        return decoded;
    }
    decoded.thumbnail = thumbnailOf(*image, kThumbnailSize);
    decoded.decodeMs = msSince(timer);
    timer.restart();
    for (const PreprocessSpec& spec : groups)
        decoded.inputs.push_back(preprocess(*image, spec));
    decoded.preprocessMs = msSince(timer);
    if (keepImage)
        decoded.rgb = std::move(*image);
    return decoded;
}

// One file's decoding, done by whichever thread claims it first: a decoding thread working ahead of the inference
// (in the idle scheduling class, so that it never takes a core from the inference threads), or the inference
// thread itself when it needs the file and no decoding thread has started on it. So the decoders use the cores'
// idle time during the forward passes, and what they could not do runs at once at normal priority, beside them
// (tests/bench/RESULTS.md: folder batches).
class DecodeSlot {
public:
    DecodeSlot(int index, BatchFile file, std::vector<PreprocessSpec> groups, bool keepImage)
        : mIndex(index), mFile(std::move(file)), mGroups(std::move(groups)), mKeepImage(keepImage)
    {
    }

    int index() const { return mIndex; }

    // Decodes the file on the calling thread unless another thread has claimed it.
    void runIfUnclaimed()
    {
        if (mClaimed.exchange(true))
            return;
        Decoded decoded;
        try {
            decoded = decodeFile(mFile, mGroups, mKeepImage);
        } catch (const std::bad_alloc&) {
            decoded = Decoded();
            decoded.error = mFile.relative.toStdString() + ": not enough memory to decode and preprocess the image";
        }
        std::lock_guard lock(mMutex);
        mResult = std::move(decoded);
        mDone = true;
        mFinished.notify_all();
    }

    // The decoded file: decoded here when no thread has claimed it, else waited for.
    Decoded take()
    {
        runIfUnclaimed();
        waitUntilDone();
        return std::move(mResult);
    }

    // Makes sure no thread works on the file after this returns: claims it if nobody has, else waits for the
    // thread that has.
    void abandon()
    {
        if (mClaimed.exchange(true))
            waitUntilDone();
    }

private:
    void waitUntilDone()
    {
        std::unique_lock lock(mMutex);
        mFinished.wait(lock, [this] { return mDone; });
    }

    const int mIndex;
    const BatchFile mFile;
    const std::vector<PreprocessSpec> mGroups;
    const bool mKeepImage;
    std::atomic<bool> mClaimed{false};
    std::mutex mMutex;
    std::condition_variable mFinished;
    bool mDone = false;
    Decoded mResult;
};

// Runs task(i) for every i in [0, count) on the calling thread and on up to helpers->maxThreadCount() threads of
// `helpers` (none when null), each thread taking the next i; returns when every task is done. `task` must not
// throw.
void runSideBySide(QThreadPool* helpers, int count, const std::function<void(int)>& task)
{
    struct Shared {
        std::atomic<int> next{0};
        std::mutex mutex;
        std::condition_variable idle;
        int running = 0;
    };
    auto shared = std::make_shared<Shared>();
    const auto work = [shared, &task, count] {
        for (int i = shared->next++; i < count; i = shared->next++)
            task(i);
    };
    const int extra = helpers ? std::min(helpers->maxThreadCount(), count - 1) : 0;
    shared->running = std::max(0, extra);
    for (int h = 0; h < extra; ++h)
        handover::start(*helpers, [shared, work] {
            work();
            std::lock_guard lock(shared->mutex);
            if (--shared->running == 0)
                shared->idle.notify_all();
        });
    work();
    std::unique_lock lock(shared->mutex);
    shared->idle.wait(lock, [&] { return shared->running == 0; });
}

// How a model's passes of a chunk run: side by side, one thread each (streams), or one after another on all the
// inference threads. Which is faster depends on the network, the batch size and the machine (two cores: MobileNet
// V3 Large 25 % faster side by side, ConvNeXt-Tiny at 16 images 10 % slower, tests/bench/RESULTS.md), so both are
// tried on a model's first full chunks, each once untimed (its kernels are set up) and once timed, and the faster
// kept. One per process and key (model, weights, batch size, streams): a batch goes on where an earlier one in the
// same process left the trial, and one after a decision starts with it. Any thread.
class Arrangement {
public:
    static std::shared_ptr<Arrangement> forKey(const std::string& key)
    {
        static std::mutex mutex;
        static std::map<std::string, std::shared_ptr<Arrangement>> all;
        std::lock_guard lock(mutex);
        auto& arrangement = all[key];
        if (!arrangement)
            arrangement = std::make_shared<Arrangement>();
        return arrangement;
    }

    // Whether the next full chunk runs side by side.
    bool sideBySide() const
    {
        std::lock_guard lock(mMutex);
        return next();
    }

    // A full chunk (one pass per stream) in the arrangement `sideBySide` took `ms` for `images` images; ignored when
    // the trial has moved on meanwhile (another batch of the same key).
    void record(bool sideBySide, double ms, int images)
    {
        std::lock_guard lock(mMutex);
        if (mDecided || images <= 0 || sideBySide != next())
            return;
        if (mTrials >= 2)
            mPerImage[sideBySide ? 1 : 0] = ms / images;
        if (++mTrials == 4)
            mDecided = mPerImage[1] < mPerImage[0];
    }

private:
    bool next() const { return mDecided ? *mDecided : (mTrials == 0 || mTrials == 2); }

    mutable std::mutex mMutex;
    int mTrials = 0;                   // 0, 1: untimed (side by side, then one after another); 2, 3: timed
    double mPerImage[2] = {0.0, 0.0};  // ms per image: one after another, side by side
    std::optional<bool> mDecided;
};

// The bit mask of an image done by each of `models` models (State::modelsDone).
quint32 everyModel(std::size_t models)
{
    return models >= 32 ? 0xffffffffu : (1u << models) - 1u;
}

QString reportBase(const QString& file, const std::string& modelId)
{
    return QStringLiteral("reports/") + file + QLatin1Char('.') + QString::fromStdString(modelId);
}

QJsonObject readJsonFile(const QString& fileName)
{
    QFile file(fileName);
    const QFileInfo info(fileName);
    if (!info.isFile() || info.size() > (64 << 20) || !file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

Expected<void> writeJsonFile(const QString& fileName, const QJsonObject& object)
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(object).toJson()) < 0 || !file.commit())
        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(fileName).toStdString() +
                                                  ": cannot write: " + file.errorString().toStdString());
    return {};
}

QString exemplarsFile(const std::string& modelId)
{
    return QStringLiteral("exemplars-%1.json").arg(QString::fromStdString(modelId));
}

}  // namespace

struct BatchRunner::State {
    std::shared_ptr<const BatchBackend> backend;
    std::shared_ptr<ResultCache> cache;

    std::vector<BatchFile> files;
    QStringList problems;
    std::vector<quint32> modelsDone;  // per file: bit m set when model m has a complete record
    std::vector<int> pending;         // indices of files left, in order
    std::size_t next = 0;             // position in `pending` of the next image to process
    std::size_t queued = 0;           // position in `pending` of the next image to hand to the decoders
    int processed = 0;
    int resumedImages = 0;
    std::vector<BatchRecord> resumed;

    std::vector<PreprocessSpec> groups;  // distinct preprocessing of the models
    std::vector<int> groupOfModel;
    std::vector<std::optional<GroundTruth>> truths;
    std::vector<std::string> weightsIdentity;
    std::vector<int> batchSizes;
    std::map<std::pair<int, int>, std::shared_ptr<Arrangement>> arrangements;  // (model, streams) → its passes

    QThreadPool decoders;
    std::deque<std::shared_ptr<DecodeSlot>> ahead;  // the files handed to the decoders, in `pending` order

    std::unique_ptr<RecordWriter> writer;
    mutable std::mutex exemplarsMutex;
    std::map<std::string, ChannelExemplars> exemplars;

    QThreadPool streams;  // the forward passes (and the decoding they wait for) beside the calling thread's
    QThreadPool reportWriter;
    std::deque<handover::Pending<void>> reports;
    std::mutex reportErrorsMutex;
    QStringList reportErrors;
    bool prepared = false;
};

std::string BatchOptions::exemplarBlock(const ModelSpec& spec) const
{
    const auto own = exemplarLayers.find(spec.id);
    const std::string& layer = own != exemplarLayers.end() ? own->second : exemplarLayer;
    return layer.empty() ? std::string() : spec.resolveBlock(layer);
}

BatchRunner::BatchRunner(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache,
                         BatchPlan plan)
    : mPlan(std::move(plan)), mState(std::make_unique<State>())
{
    mState->backend = std::move(backend);
    mState->cache = std::move(cache);
    const int threads = mPlan.options.decodeThreads > 0 ? mPlan.options.decodeThreads
                                                        : std::max(1, QThread::idealThreadCount() / 2);
    mState->decoders.setMaxThreadCount(threads);
    mState->reportWriter.setMaxThreadCount(1);
}

BatchRunner::~BatchRunner()
{
    for (const auto& slot : mState->ahead)
        slot->abandon();
    mState->decoders.waitForDone();
    mState->streams.waitForDone();
    mState->reportWriter.waitForDone();
    handover::received(handover::poolKey(mState->streams));
    handover::received(handover::poolKey(mState->decoders));
    handover::received(handover::poolKey(mState->reportWriter));
}

int BatchRunner::defaultBatchSize(const ModelSpec& spec)
{
    return spec.batchSize > 0 ? spec.batchSize : 8;
}

Expected<void> BatchRunner::prepare()
{
    State& s = *mState;
    if (mPlan.models.empty())
        return makeError(ErrorKind::BadInput, "no model chosen for the batch");
    if (int(mPlan.models.size()) > kMaxModels)
        return makeError(ErrorKind::BadInput, "at most 32 models in one batch");
    if (mPlan.outDir.isEmpty())
        return makeError(ErrorKind::BadInput, "no output folder given for the batch");
    const QString out = QDir(mPlan.outDir).absolutePath();
    if (!QDir().mkpath(out) || !QFileInfo(out).isWritable())
        return makeError(ErrorKind::BadInput, QDir::toNativeSeparators(out).toStdString() +
                                                  ": cannot create or write the output folder");
    mPlan.outDir = out;

    BatchListing listing = listBatchFiles(mPlan.inputs, mPlan.listing);
    s.problems = listing.problems;
    s.files = filesOfShard(listing.files, mPlan.shard);
    if (listing.files.empty())
        return makeError(ErrorKind::BadInput, "nothing to process: " +
                                                  (listing.problems.isEmpty() ? std::string("no input given")
                                                                              : listing.problems.join(QStringLiteral("; ")).toStdString()));

    // Models: their preprocessing groups, ground truth, weights identity and batch size.
    std::map<std::string, int> groupIndex;
    for (const BatchModel& model : mPlan.models) {
        const std::string key = preprocessKey(model.spec.preprocess);
        auto [it, inserted] = groupIndex.emplace(key, int(s.groups.size()));
        if (inserted)
            s.groups.push_back(model.spec.preprocess);
        s.groupOfModel.push_back(it->second);
        auto truth = GroundTruth::forModel(model.spec);
        if (truth)
            s.truths.emplace_back(std::move(*truth));
        else {
            s.truths.emplace_back(std::nullopt);
            s.problems << QString::fromStdString(truth.message());
        }
        s.weightsIdentity.push_back(CacheKey::identifyWeights(model.weightsPath));
        s.batchSizes.push_back(std::max(1, mPlan.options.batchSize > 0 ? mPlan.options.batchSize
                                                                         : defaultBatchSize(model.spec)));
        // A layer the model lacks (another family's name) keeps no exemplars for it.
        if (const std::string block = mPlan.options.exemplarBlock(model.spec); !block.empty())
            s.exemplars[model.spec.id] = ChannelExemplars(model.spec.id, block,
                                                          mPlan.options.exemplarsPerChannel);
    }

    // What an earlier run left: complete records are kept, the rest is redone. Without --resume the folder's
    // records are dropped (the summaries are rewritten from this run's records alone).
    s.modelsDone.assign(s.files.size(), 0);
    const QString recordsFile = QDir(out).filePath(QStringLiteral("records.jsonl"));
    if (mPlan.resume) {
        auto read = readRecords(out);
        if (!read)
            return read.error();
        s.problems << read->problems;
        std::map<QString, int> fileIndex;
        for (int i = 0; i < int(s.files.size()); ++i)
            fileIndex[s.files[std::size_t(i)].relative] = i;
        std::map<std::string, int> modelIndex;
        for (int m = 0; m < int(mPlan.models.size()); ++m)
            modelIndex[mPlan.models[std::size_t(m)].spec.id] = m;
        for (BatchRecord& record : latestRecords(std::move(read->records))) {
            const auto f = fileIndex.find(record.file);
            const auto m = modelIndex.find(record.modelId);
            if (f == fileIndex.end() || m == modelIndex.end())
                continue;
            // A report that a kill cut short is made again.
            if (mPlan.options.reports && record.status == BatchStatus::Ok &&
                (record.report.isEmpty() || !QFileInfo::exists(QDir(out).filePath(record.report))))
                continue;
            s.modelsDone[std::size_t(f->second)] |= 1u << m->second;
            s.resumed.push_back(std::move(record));
        }
        for (auto& [modelId, exemplars] : s.exemplars) {
            auto earlier = ChannelExemplars::fromJson(readJsonFile(QDir(out).filePath(exemplarsFile(modelId))));
            if (earlier && earlier->layer() == exemplars.layer())
                exemplars.merge(*earlier);
        }
    } else if (QFileInfo::exists(recordsFile)) {
        QFile::remove(recordsFile);
    }
    const quint32 all = everyModel(mPlan.models.size());
    for (int i = 0; i < int(s.files.size()); ++i) {
        if (s.modelsDone[std::size_t(i)] == all) {
            ++s.processed;
            ++s.resumedImages;
        } else {
            s.pending.push_back(i);
        }
    }

    auto writer = RecordWriter::open(out);
    if (!writer)
        return writer.error();
    s.writer = std::move(*writer);

    QJsonObject batch;
    QJsonArray models;
    for (const BatchModel& model : mPlan.models)
        models.append(QJsonObject{{QStringLiteral("id"), QString::fromStdString(model.spec.id)},
                                  {QStringLiteral("name"), QString::fromStdString(model.spec.displayName)},
                                  {QStringLiteral("weights"), model.weightsPath.isEmpty()
                                                                  ? QJsonValue(QJsonValue::Null)
                                                                  : QJsonValue(model.weightsPath)}});
    batch.insert(QStringLiteral("models"), models);
    batch.insert(QStringLiteral("inputs"), QJsonArray::fromStringList(mPlan.inputs));
    batch.insert(QStringLiteral("recursive"), mPlan.listing.recursive);
    batch.insert(QStringLiteral("shard"), mPlan.shard.text());
    batch.insert(QStringLiteral("images"), int(s.files.size()));
    batch.insert(QStringLiteral("top_k"), mPlan.options.topK);
    batch.insert(QStringLiteral("reports"), mPlan.options.reports);
    QStringList methods;
    for (const std::string& method : mPlan.options.methods)
        methods << QString::fromStdString(method);
    batch.insert(QStringLiteral("methods"), QJsonArray::fromStringList(methods));
    QJsonObject exemplarLayers;
    for (const BatchModel& model : mPlan.models)
        if (const std::string block = mPlan.options.exemplarBlock(model.spec); !block.empty())
            exemplarLayers.insert(QString::fromStdString(model.spec.id), QString::fromStdString(block));
    batch.insert(QStringLiteral("exemplar_layers"), exemplarLayers);
    batch.insert(QStringLiteral("started"), QDateTime::currentDateTime().toString(Qt::ISODate));
    if (auto written = writeJsonFile(QDir(out).filePath(QStringLiteral("batch.json")), batch); !written)
        return written.error();
    s.prepared = true;
    return {};
}

const std::vector<BatchFile>& BatchRunner::files() const
{
    return mState->files;
}

QStringList BatchRunner::listingProblems() const
{
    return mState->problems;
}

std::vector<BatchRecord> BatchRunner::resumedRecords() const
{
    return mState->resumed;
}

int BatchRunner::total() const
{
    return int(mState->files.size());
}

int BatchRunner::processed() const
{
    return mState->processed;
}

bool BatchRunner::finished() const
{
    return mState->prepared && mState->next >= mState->pending.size();
}

ChannelExemplars BatchRunner::exemplars(const std::string& modelId) const
{
    std::lock_guard lock(mState->exemplarsMutex);
    const auto found = mState->exemplars.find(modelId);
    return found == mState->exemplars.end() ? ChannelExemplars() : found->second;
}

Expected<std::vector<BatchRecord>> BatchRunner::step(const std::atomic<bool>* cancel)
{
    State& s = *mState;
    if (!s.prepared)
        return makeError(ErrorKind::Internal, "the batch was not prepared (internal error)");
    std::vector<BatchRecord> made;
    if (finished())
        return made;
    const bool reports = mPlan.options.reports;
    // With reports every image is analysed on its own (no batched pass to fill): a chunk of one image keeps the
    // progress moving and a pause or cancel quick.
    // Without reports, a chunk holds one batch per stream: as many as the inference threads, so that its passes
    // can run side by side, each on its own thread (Arrangement). On two cores two one-thread passes of MobileNet
    // V3 Large classify a quarter more images per second than one two-thread pass, whose threads wait for each
    // other after every layer (tests/bench/RESULTS.md).
    const int inference = reports ? 1 : std::max(1, s.backend->inferenceThreads());
    const int streams =
        reports ? 1 : std::clamp(mPlan.options.streams > 0 ? mPlan.options.streams : inference, 1, kMaxStreams);
    const int threadsPerStream = streams > 1 ? std::max(1, inference / streams) : 0;  // 0: the configured count
    s.streams.setMaxThreadCount(std::max(1, streams - 1));
    const int chunk = reports ? 1 : streams * *std::max_element(s.batchSizes.begin(), s.batchSizes.end());

    // Keep the decoders busy up to two chunks ahead of the inference.
    const auto fillAhead = [&] {
        while (s.ahead.size() < std::size_t(2 * chunk) && s.queued < s.pending.size()) {
            const int index = s.pending[s.queued++];
            auto slot = std::make_shared<DecodeSlot>(index, s.files[std::size_t(index)], s.groups, reports);
            s.ahead.push_back(slot);
            handover::start(s.decoders, [slot] {
                runOnlyWhenIdle();  // on cores the inference leaves idle
                slot->runIfUnclaimed();
            });
        }
    };
    fillAhead();

    struct Item {
        int index;
        Decoded decoded;
    };
    std::vector<Item> items;
    // The chunk's files that no decoding thread has started are decoded now, on the stream threads, which have
    // nothing else to do until they are.
    runSideBySide(streams > 1 ? &s.streams : nullptr, int(std::min(s.ahead.size(), std::size_t(chunk))),
                  [&s](int i) { s.ahead[std::size_t(i)]->runIfUnclaimed(); });
    while (int(items.size()) < chunk && !s.ahead.empty()) {
        std::shared_ptr<DecodeSlot> slot = std::move(s.ahead.front());
        s.ahead.pop_front();
        items.push_back({slot->index(), slot->take()});  // decoded here if no decoder got to it
    }
    fillAhead();  // decoding the next chunk overlaps this chunk's inference

    const auto recordFor = [&](const Item& item, int m) {
        const BatchModel& model = mPlan.models[std::size_t(m)];
        const BatchFile& file = s.files[std::size_t(item.index)];
        BatchRecord record;
        record.file = file.relative;
        record.path = file.path;
        record.sha256 = item.decoded.sha256;
        record.modelId = model.spec.id;
        record.thumbnail = item.decoded.thumbnail;
        if (s.truths[std::size_t(m)]) {
            record.truth = s.truths[std::size_t(m)]->truthOf(file.path);
            if (record.truth >= 0 && record.truth < int(model.spec.labels.size()))
                record.truthLabel = model.spec.labels[std::size_t(record.truth)];
        }
        if (!item.decoded.error.empty()) {
            record.status = BatchStatus::Failed;
            record.error = item.decoded.error;
        } else {
            record.timingsMs["decode"] = item.decoded.decodeMs;
            record.timingsMs["preprocess"] = item.decoded.preprocessMs;
        }
        return record;
    };
    const auto finishRecord = [&](BatchRecord record, int fileIndex, int m) -> Expected<void> {
        double total = 0.0;
        for (const auto& [stage, ms] : record.timingsMs)
            total += ms;
        if (record.status == BatchStatus::Ok)
            record.timingsMs["total"] = total;
        if (auto appended = s.writer->append(record); !appended)
            return appended;
        s.modelsDone[std::size_t(fileIndex)] |= 1u << m;
        made.push_back(std::move(record));
        return {};
    };
    const auto addExemplars = [&](const std::string& modelId, const QString& file, const std::vector<float>& means) {
        if (means.empty())
            return;
        std::lock_guard lock(s.exemplarsMutex);
        const auto found = s.exemplars.find(modelId);
        if (found != s.exemplars.end())
            found->second.add(file, means);
    };

    Expected<void> stopped;
    for (int m = 0; m < int(mPlan.models.size()) && stopped; ++m) {
        const BatchModel& model = mPlan.models[std::size_t(m)];
        const int group = s.groupOfModel[std::size_t(m)];
        // Images this model still needs; failed decodes get their record at once.
        std::vector<const Item*> todo;
        for (const Item& item : items) {
            if (s.modelsDone[std::size_t(item.index)] & (1u << m))
                continue;
            if (!item.decoded.error.empty()) {
                if (stopped = finishRecord(recordFor(item, m), item.index, m); !stopped)
                    break;
                continue;
            }
            todo.push_back(&item);
        }
        AnalysisOptions reportOptions;
        if (reports) {
            reportOptions.topK = mPlan.options.topK;
            reportOptions.methods = mPlan.options.methods.empty() ? std::vector<std::string>{"gradcam"}
                                                                   : mPlan.options.methods;
            reportOptions.taps = mPlan.options.layers.empty() ? std::vector<std::string>{model.spec.camTarget}
                                                               : mPlan.options.layers;
            const std::string block = mPlan.options.exemplarBlock(model.spec);
            if (!block.empty() && std::find(reportOptions.taps.begin(), reportOptions.taps.end(), block) ==
                                      reportOptions.taps.end())
                reportOptions.taps.push_back(block);
            reportOptions.tilesPerLayer = 8;
            reportOptions.faithfulness = mPlan.options.faithfulness;
            reportOptions.methodOptions = mPlan.options.methodOptions;
        }
        const std::string classifyKey = "batch-classify;topk=" + std::to_string(mPlan.options.topK) +
                                        ";mean=" + mPlan.options.exemplarBlock(model.spec);
        const auto cacheKey = [&](const Item& item) {
            return CacheKey{item.decoded.sha256, model.spec.id, s.weightsIdentity[std::size_t(m)],
                            reports ? reportOptions.key() : classifyKey};
        };
        const std::string exemplarBlock = mPlan.options.exemplarBlock(model.spec);
        const auto meansOf = [&](const AnalysisResult& result) {
            std::vector<float> means;
            for (const LayerResult& layer : result.layers)
                if (layer.name == exemplarBlock)
                    for (const ChannelStats& channel : layer.channels)
                        means.push_back(channel.mean);
            return means;
        };

        // Served from the cache: no inference.
        std::vector<const Item*> compute;
        for (const Item* item : todo) {
            ResultPtr hit = s.cache ? s.cache->find(cacheKey(*item)) : nullptr;
            if (!hit) {
                compute.push_back(item);
                continue;
            }
            BatchRecord record = recordFor(*item, m);
            record.top = hit->prediction.top;
            record.cached = true;
            addExemplars(model.spec.id, record.file, meansOf(*hit));
            if (reports) {
                record.report = reportBase(record.file, model.spec.id) + QStringLiteral(".png");
                scheduleReport(hit, record, m);
            }
            if (stopped = finishRecord(std::move(record), item->index, m); !stopped)
                break;
        }

        if (!reports) {
            // The chunk's batches for this model, one per stream, side by side or one after another (Arrangement);
            // then their records in order.
            const std::size_t size = std::size_t(s.batchSizes[std::size_t(m)]);
            const int passes = int((compute.size() + size - 1) / size);
            std::vector<Expected<std::vector<ClassifyOutput>>> results(
                std::size_t(passes), makeError(ErrorKind::Cancelled, "batch cancelled"));
            std::vector<double> passMs(std::size_t(passes), 0.0);
            Arrangement* arrangement = nullptr;
            if (streams > 1 && mPlan.options.streams == 0) {
                auto& kept = s.arrangements[{m, streams}];
                if (!kept)
                    kept = Arrangement::forKey(model.spec.id + "|" + s.weightsIdentity[std::size_t(m)] + "|" +
                                               std::to_string(size) + "|" + std::to_string(streams));
                arrangement = kept.get();
            }
            const bool sideBySide = streams > 1 && (!arrangement || arrangement->sideBySide());
            QElapsedTimer chunkTimer;
            chunkTimer.start();
            runSideBySide(sideBySide ? &s.streams : nullptr, passes, [&](int pass) {
                if (cancel && cancel->load())
                    return;  // stays Cancelled
                const std::size_t start = std::size_t(pass) * size;
                const std::size_t end = std::min(compute.size(), start + size);
                std::vector<PreprocessedImage> inputs;
                for (std::size_t i = start; i < end; ++i)
                    inputs.push_back(compute[i]->decoded.inputs[std::size_t(group)]);
                QElapsedTimer timer;
                timer.start();
                results[std::size_t(pass)] =
                    s.backend->classify(model.spec, model.weightsPath, inputs, mPlan.options.topK, exemplarBlock,
                                        sideBySide ? threadsPerStream : 0, cancel);
                passMs[std::size_t(pass)] = msSince(timer);
            });
            if (arrangement && passes == streams && compute.size() == std::size_t(passes) * size)
                arrangement->record(sideBySide, msSince(chunkTimer), int(compute.size()));
            for (int pass = 0; pass < passes && stopped; ++pass) {
                const std::size_t start = std::size_t(pass) * size;
                const std::size_t end = std::min(compute.size(), start + size);
                auto& outputs = results[std::size_t(pass)];
                const double share = passMs[std::size_t(pass)] / double(end - start);
                if (!outputs && outputs.kind() != ErrorKind::Internal) {
                    stopped = outputs.error();
                    break;
                }
                for (std::size_t i = start; i < end && stopped; ++i) {
                    const Item& item = *compute[i];
                    BatchRecord record = recordFor(item, m);
                    if (!outputs) {
                        record.status = BatchStatus::Failed;
                        record.error = item.decoded.error.empty() ? record.file.toStdString() + ": " +
                                                                        outputs.message()
                                                                  : item.decoded.error;
                    } else {
                        ClassifyOutput& output = (*outputs)[i - start];
                        record.top = output.prediction.top;
                        record.timingsMs["forward"] = share;
                        addExemplars(model.spec.id, record.file, output.channelMeans);
                        if (s.cache) {
                            auto result = std::make_shared<AnalysisResult>();
                            result->imageSha256 = item.decoded.sha256;
                            result->modelId = model.spec.id;
                            result->weights = model.weightsPath.toStdString();
                            result->prediction = std::move(output.prediction);
                            if (!output.channelMeans.empty()) {
                                LayerResult layer;
                                layer.name = exemplarBlock;
                                for (float mean : output.channelMeans)
                                    layer.channels.push_back(ChannelStats{mean, 0.0f, 0.0f, false});
                                result->layers.push_back(std::move(layer));
                            }
                            s.cache->store(cacheKey(item), std::move(result));
                        }
                    }
                    stopped = finishRecord(std::move(record), item.index, m);
                }
            }
        } else {
            for (const Item* item : compute) {
                if (!stopped)
                    break;
                if (cancel && cancel->load()) {
                    stopped = makeError(ErrorKind::Cancelled, "batch cancelled");
                    break;
                }
                QElapsedTimer timer;
                timer.start();
                auto analysed =
                    s.backend->analyzeImage(model.spec, model.weightsPath, item->decoded.rgb, reportOptions, cancel);
                if (!analysed && analysed.kind() != ErrorKind::Internal && analysed.kind() != ErrorKind::BadInput) {
                    stopped = analysed.error();
                    break;
                }
                BatchRecord record = recordFor(*item, m);
                if (!analysed) {
                    record.status = BatchStatus::Failed;
                    record.error = record.file.toStdString() + ": " + analysed.message();
                } else {
                    record.timingsMs["analysis"] = msSince(timer);
                    analysed->imageSha256 = item->decoded.sha256;
                    auto result = std::make_shared<const AnalysisResult>(std::move(*analysed));
                    if (s.cache)
                        s.cache->store(cacheKey(*item), result);
                    record.top = result->prediction.top;
                    addExemplars(model.spec.id, record.file, meansOf(*result));
                    record.report = reportBase(record.file, model.spec.id) + QStringLiteral(".png");
                    scheduleReport(result, record, m);
                }
                stopped = finishRecord(std::move(record), item->index, m);
            }
        }
    }

    // Images whose every model is done count as processed; the others go back to the front of the queue (a
    // cancelled chunk), so that a later step or --resume completes them.
    const quint32 all = everyModel(mPlan.models.size());
    // The items were pending[start, start + items.size()).
    const std::size_t start = s.next;
    std::vector<int> finishedFiles;
    std::vector<int> unfinished;
    for (const Item& item : items) {
        if (s.modelsDone[std::size_t(item.index)] == all) {
            ++s.processed;
            finishedFiles.push_back(item.index);
        } else {
            unfinished.push_back(item.index);
        }
    }
    s.next = start + finishedFiles.size();
    if (!unfinished.empty()) {
        // The finished images first, then the unfinished ones, which a later step (or --resume) does first; the
        // look-ahead restarts from there.
        for (const auto& slot : s.ahead)
            slot->abandon();
        s.ahead.clear();
        std::copy(finishedFiles.begin(), finishedFiles.end(), s.pending.begin() + std::ptrdiff_t(start));
        std::copy(unfinished.begin(), unfinished.end(),
                  s.pending.begin() + std::ptrdiff_t(start + finishedFiles.size()));
        s.queued = s.next;
    }
    std::sort(made.begin(), made.end(), [](const BatchRecord& a, const BatchRecord& b) {
        return std::make_pair(a.file.toUtf8(), a.modelId) < std::make_pair(b.file.toUtf8(), b.modelId);
    });
    if (!stopped)
        return stopped.error();
    return made;
}

void BatchRunner::scheduleReport(ResultPtr result, const BatchRecord& record, int modelIndex)
{
    State& s = *mState;
    // Bounded: each waiting result holds its heatmaps.
    while (int(s.reports.size()) >= kReportsInFlight) {
        handover::waitFor(s.reports.front().future);
        s.reports.pop_front();
    }
    const BatchModel& model = mPlan.models[std::size_t(modelIndex)];
    ReportPageInfo info;
    info.imageName = record.file;
    info.modelName = QString::fromStdString(model.spec.displayName);
    info.weights = model.weightsPath;
    info.fullPaths = mPlan.options.reportFullPaths;
    info.date = QDateTime::currentDateTime();
    info.methods = mPlan.options.methods.empty() ? std::vector<std::string>{"gradcam"} : mPlan.options.methods;
    info.layers = mPlan.options.layers.empty() ? std::vector<std::string>{} : mPlan.options.layers;
    info.colormap = mPlan.options.colormap;
    info.truth = record.truth;
    info.truthLabel = record.truthLabel;
    const QString base = QDir(mPlan.outDir).filePath(reportBase(record.file, model.spec.id));
    s.reports.push_back(handover::run<void>(s.reportWriter, [&s, result, info, base] {
        runInBackground();  // behind the inference threads
        if (auto written = writeReportFiles(base, *result, info); !written) {
            std::lock_guard lock(s.reportErrorsMutex);
            s.reportErrors << QString::fromStdString(written.message());
            return;
        }
        reportCellImage(*result, info).save(base + QStringLiteral(".cell.png"));
    }));
}

Expected<BatchOutcome> BatchRunner::finish()
{
    State& s = *mState;
    for (const handover::Pending<void>& report : s.reports)
        handover::waitFor(report.future);
    s.reports.clear();
    for (const auto& slot : s.ahead)
        slot->abandon();
    s.ahead.clear();
    s.writer.reset();

    BatchOutcome outcome;
    outcome.images = int(s.files.size());
    outcome.processed = s.processed;
    outcome.resumed = s.resumedImages;
    outcome.complete = finished();

    std::vector<ChannelExemplars> exemplars;
    {
        std::lock_guard lock(s.exemplarsMutex);
        for (const auto& [modelId, kept] : s.exemplars)
            exemplars.push_back(kept);
    }
    std::vector<ModelSpec> specs;
    for (const BatchModel& model : mPlan.models)
        specs.push_back(model.spec);
    const QJsonObject batch = readJsonFile(QDir(mPlan.outDir).filePath(QStringLiteral("batch.json")));
    auto written = writeBatchSummaries(mPlan.outDir, batch, specs, mPlan.options, exemplars);
    if (!written)
        return written.error();
    outcome.written = *written;

    // Failed images, from the records (this run's and resumed ones).
    auto read = readRecords(mPlan.outDir);
    if (read) {
        std::set<QString> failed;
        for (const BatchRecord& record : latestRecords(std::move(read->records)))
            if (record.status == BatchStatus::Failed)
                failed.insert(record.file);
        outcome.failed = int(failed.size());
    }
    {
        std::lock_guard lock(s.reportErrorsMutex);
        if (!s.reportErrors.isEmpty())
            return makeError(ErrorKind::Internal, s.reportErrors.join(QStringLiteral("; ")).toStdString());
    }
    return outcome;
}

Expected<QStringList> writeBatchSummaries(const QString& outDir, const QJsonObject& batch,
                                          const std::vector<ModelSpec>& models, const BatchOptions& options,
                                          const std::vector<ChannelExemplars>& exemplars)
{
    const QDir out(outDir);
    auto read = readRecords(outDir);
    if (!read)
        return read.error();
    const std::vector<BatchRecord> records = latestRecords(std::move(read->records));
    const std::vector<ModelAccuracy> accuracy = computeAccuracy(records);
    const std::vector<Disagreement> disagreements = findDisagreements(records);
    QStringList written;

    if (auto csv = writeSummaryCsv(out.filePath(QStringLiteral("summary.csv")), records); !csv)
        return csv.error();
    written << QStringLiteral("summary.csv");
    if (auto json = writeSummaryJson(out.filePath(QStringLiteral("summary.json")), batch, records,
                                     accuracyJson(accuracy, int(disagreements.size())));
        !json)
        return json.error();
    written << QStringLiteral("summary.json");

    std::map<QString, QString> pathOf;
    std::set<QString> images;
    std::set<QString> failedImages;
    for (const BatchRecord& record : records) {
        pathOf[record.file] = record.path;
        images.insert(record.file);
        if (record.status == BatchStatus::Failed)
            failedImages.insert(record.file);
    }
    const auto thumbnail = [&pathOf](const QString& file) {
        const auto found = pathOf.find(file);
        return found == pathOf.end() ? QImage() : readThumbnail(found->second, QSize(160, 160));
    };

    SummaryPageInfo page;
    QStringList names;
    for (const ModelSpec& spec : models) {
        page.models.emplace_back(spec.id, QString::fromStdString(spec.displayName));
        names << QString::fromStdString(spec.displayName);
    }
    page.title = QStringLiteral("Batch of %1 images — %2").arg(images.size()).arg(names.join(QStringLiteral(", ")));
    page.date = QDateTime::currentDateTime();
    page.images = int(images.size());
    page.failed = int(failedImages.size());
    page.accuracy = accuracy;
    page.disagreements = int(disagreements.size());
    page.thumbnail = thumbnail;
    if (!renderSummaryPage(page).save(out.filePath(QStringLiteral("summary.png"))))
        return makeError(ErrorKind::Internal,
                         QDir::toNativeSeparators(out.filePath(QStringLiteral("summary.png"))).toStdString() +
                             ": cannot write");
    written << QStringLiteral("summary.png");
    if (auto pdf = writeSummaryPdf(out.filePath(QStringLiteral("summary.pdf")), page); !pdf)
        return pdf.error();
    written << QStringLiteral("summary.pdf");

    // Contact sheets, one set per model: the first images by name, with the report's overlay cell when made.
    for (const ModelSpec& spec : models) {
        std::vector<ContactCell> cells;
        for (const BatchRecord& record : records) {
            if (record.modelId != spec.id)
                continue;
            if (int(cells.size()) >= options.contactSheetLimit)
                break;
            ContactCell cell;
            cell.file = record.file;
            // Read page by page while drawing (memory: one page's cells, whatever the limit).
            const QString cellFile = out.filePath(reportBase(record.file, spec.id) + QStringLiteral(".cell.png"));
            cell.imageFile = QFileInfo::exists(cellFile) ? cellFile : record.path;
            cell.failed = record.status == BatchStatus::Failed;
            cell.correct = record.correctTop1();
            if (cell.failed)
                cell.caption = QString::fromStdString(record.error);
            else if (!record.top.empty())
                cell.caption = QStringLiteral("%1 %2%")
                                   .arg(QString::fromStdString(record.top.front().label))
                                   .arg(std::lround(record.top.front().probability * 100.0f));
            cells.push_back(std::move(cell));
        }
        if (cells.empty())
            continue;
        const QString title = QStringLiteral("%1 — %2 images").arg(QString::fromStdString(spec.displayName)).arg(cells.size());
        const int pages = layoutContactSheets(int(cells.size()), 6, 150).pages;
        for (int i = 0; i < pages; ++i) {
            const QString name = QStringLiteral("contact-%1-%2.png").arg(QString::fromStdString(spec.id)).arg(i + 1);
            if (!renderContactSheet(cells, title, i).save(out.filePath(name)))
                return makeError(ErrorKind::Internal,
                                 QDir::toNativeSeparators(out.filePath(name)).toStdString() + ": cannot write");
            written << name;
        }
        const QString pdf = QStringLiteral("contact-%1.pdf").arg(QString::fromStdString(spec.id));
        if (auto sheet = writeContactSheetPdf(out.filePath(pdf), cells, title); !sheet)
            return sheet.error();
        written << pdf;
    }

    // Channel exemplars: the JSON, and a sheet of the channels whose best image excites them most.
    for (const ChannelExemplars& kept : exemplars) {
        if (kept.isEmpty())
            continue;
        const QString json = exemplarsFile(kept.modelId());
        if (auto saved = writeJsonFile(out.filePath(json), kept.toJson()); !saved)
            return saved.error();
        written << json;
        std::vector<int> channels(std::size_t(kept.channels()));
        for (int c = 0; c < kept.channels(); ++c)
            channels[std::size_t(c)] = c;
        const auto strongest = [&kept](int c) {
            const auto top = kept.top(c);
            return top.empty() ? -1e30f : top.front().mean;
        };
        std::stable_sort(channels.begin(), channels.end(), [&](int a, int b) { return strongest(a) > strongest(b); });
        channels.resize(std::min<std::size_t>(channels.size(), 16));
        const QString sheet = QStringLiteral("exemplars-%1.png").arg(QString::fromStdString(kept.modelId()));
        if (!renderExemplarSheet(kept, channels, thumbnail).save(out.filePath(sheet)))
            return makeError(ErrorKind::Internal,
                             QDir::toNativeSeparators(out.filePath(sheet)).toStdString() + ": cannot write");
        written << sheet;
    }
    return written;
}

Expected<MergeOutcome> mergeBatchFolders(const QStringList& folders, const QString& outDir,
                                         const std::vector<ModelSpec>& models)
{
    MergeOutcome outcome;
    if (folders.isEmpty())
        return makeError(ErrorKind::BadInput, "no folder to merge");
    const QDir out(QDir(outDir).absolutePath());
    if (QFileInfo::exists(out.filePath(QStringLiteral("records.jsonl"))))
        return makeError(ErrorKind::BadInput, QDir::toNativeSeparators(out.path()).toStdString() +
                                                  ": already holds a batch (records.jsonl); merge into a new folder");
    if (!QDir().mkpath(out.path()))
        return makeError(ErrorKind::BadInput,
                         QDir::toNativeSeparators(out.path()).toStdString() + ": cannot create the output folder");

    std::vector<BatchRecord> all;
    std::map<std::string, ChannelExemplars> exemplars;
    QJsonObject batch;
    QJsonArray mergedFrom;
    std::set<QString> seen;
    for (const QString& folder : folders) {
        const QDir in(folder);
        if (!QFileInfo(in.filePath(QStringLiteral("records.jsonl"))).isFile())
            return makeError(ErrorKind::BadInput, QDir::toNativeSeparators(folder).toStdString() +
                                                      ": not a batch output folder (no records.jsonl)");
        auto read = readRecords(folder);
        if (!read)
            return read.error();
        outcome.problems << read->problems;
        const std::vector<BatchRecord> records = latestRecords(std::move(read->records));
        for (const BatchRecord& record : records) {
            if (!seen.insert(record.key()).second)
                ++outcome.overlaps;
            // Reports travel with their records; a missing one leaves the record without it.
            if (!record.report.isEmpty()) {
                const QString base = record.report.chopped(4);  // without ".png"
                for (const QString& suffix : {QStringLiteral(".png"), QStringLiteral(".pdf"), QStringLiteral(".cell.png")}) {
                    const QString from = in.filePath(base + suffix);
                    const QString to = out.filePath(base + suffix);
                    if (!QFileInfo::exists(from))
                        continue;
                    QDir().mkpath(QFileInfo(to).absolutePath());
                    QFile::remove(to);
                    if (!QFile::copy(from, to))
                        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(to).toStdString() +
                                                                  ": cannot copy the report there");
                }
            }
            all.push_back(record);
        }
        const QJsonObject shardBatch = readJsonFile(in.filePath(QStringLiteral("batch.json")));
        if (batch.isEmpty())
            batch = shardBatch;
        mergedFrom.append(QJsonObject{{QStringLiteral("folder"), QDir(folder).absolutePath()},
                                      {QStringLiteral("shard"), shardBatch.value(QStringLiteral("shard"))}});
        for (const QFileInfo& file : in.entryInfoList({QStringLiteral("exemplars-*.json")}, QDir::Files)) {
            auto kept = ChannelExemplars::fromJson(readJsonFile(file.absoluteFilePath()));
            if (!kept)
                continue;
            const auto found = exemplars.find(kept->modelId());
            if (found == exemplars.end())
                exemplars.emplace(kept->modelId(), *kept);
            else
                found->second.merge(*kept);
        }
    }
    batch.insert(QStringLiteral("shard"), QStringLiteral("0/1"));
    batch.insert(QStringLiteral("merged_from"), mergedFrom);
    int images = 0;
    {
        std::set<QString> files;
        for (const BatchRecord& record : all)
            files.insert(record.file);
        images = int(files.size());
    }
    batch.insert(QStringLiteral("images"), images);
    if (auto saved = writeJsonFile(out.filePath(QStringLiteral("batch.json")), batch); !saved)
        return saved.error();

    {
        auto writer = RecordWriter::open(out.path());
        if (!writer)
            return writer.error();
        for (const BatchRecord& record : latestRecords(std::move(all))) {
            if (auto appended = (*writer)->append(record); !appended)
                return appended.error();
            ++outcome.records;
        }
    }
    std::vector<ChannelExemplars> kept;
    for (auto& [modelId, exemplar] : exemplars)
        kept.push_back(std::move(exemplar));
    BatchOptions options;
    auto written = writeBatchSummaries(out.path(), batch, models, options, kept);
    if (!written)
        return written.error();
    outcome.written = *written;
    return outcome;
}

}  // namespace convlens
