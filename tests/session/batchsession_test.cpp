// BatchSession and AnalysisSession::startBatch without running a network: a stand-in BatchBackend predicts from
// the pixels (top-1 = tabby for a bright image, Egyptian cat for a dark one) over a temp folder of generated PNGs
// in an ImageNet wnid folder (so the truth is known) plus a text file named .png. Checked: records arrive chunk by
// chunk with a failed row naming the bad file; pause stops scheduling and resume continues; cancel keeps what was
// finished (also a chunk cut short between two models) and a resumed start completes without redoing it; the
// progress counts; the plan the session builds (weights, layer, output folder, export).
#include "core/session/batchsession.h"
#include "core/batch/batchbackend.h"
#include "core/jobs/jobcontext.h"
#include "core/jobs/jobservice.h"
#include "core/registry/modelregistry.h"
#include "core/session/analysissession.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

namespace convlens {
namespace {

constexpr int kWaitMs = 20'000;
constexpr int kTabby = 281;  // n02123045
constexpr int kEgyptianCat = 285;

// Predicts from the mean of the preprocessed pixels. Each call to classify takes one "ticket": while none is left
// it waits (polling the cancel flag, and returning Cancelled when it is set).
class StandInBatchBackend : public BatchBackend {
public:
    Expected<std::vector<ClassifyOutput>> classify(const ModelSpec& spec, const QString&,
                                                   const std::vector<PreprocessedImage>& images, int topK,
                                                   const std::string& meanLayer, int threads,
                                                   const std::atomic<bool>* cancel) const override
    {
        mWaiting = true;
        while (mTickets.load() <= 0) {
            if (cancel && cancel->load()) {
                mWaiting = false;
                return makeError(ErrorKind::Cancelled, "cancelled");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        mWaiting = false;
        --mTickets;
        {
            const std::lock_guard<std::mutex> lock(mMutex);
            mImages[spec.id] += int(images.size());
            mMeanLayers.push_back(meanLayer);
        }
        std::vector<ClassifyOutput> outputs;
        for (const PreprocessedImage& image : images) {
            const float mean = std::accumulate(image.chw.begin(), image.chw.end(), 0.0f) / float(image.chw.size());
            ClassifyOutput output;
            const int top1 = mean > 0.0f ? kTabby : kEgyptianCat;
            const int others[] = {top1, top1 == kTabby ? kEgyptianCat : kTabby, 282, 283, 284, 1, 2, 3};
            for (int k = 0; k < topK && k < 8; ++k)
                output.prediction.top.push_back(
                    {others[k], spec.labels.at(std::size_t(others[k])), k == 0 ? 0.9f : 0.01f});
            if (!meanLayer.empty())
                output.channelMeans = {mean, -mean, 1.0f};
            outputs.push_back(std::move(output));
        }
        return outputs;
    }

    int inferenceThreads() const override { return 1; }

    Expected<AnalysisResult> analyzeImage(const ModelSpec& spec, const QString& weightsPath, const QImage& rgb,
                                          const AnalysisOptions& options, const std::atomic<bool>*) const override
    {
        AnalysisResult result;
        result.modelId = spec.id;
        result.weights = weightsPath.toStdString();
        result.input = rgb.scaled(8, 8);
        result.prediction.top.push_back({kTabby, spec.labels.at(kTabby), 0.8f});
        for (const std::string& method : options.methods) {
            CamResult cam;
            cam.method = method;
            cam.classIndex = kTabby;
            result.cams.push_back(cam);
        }
        {
            const std::lock_guard<std::mutex> lock(mMutex);
            ++mAnalyses;
        }
        return result;
    }

    void setTickets(int tickets) { mTickets = tickets; }
    bool waiting() const { return mWaiting; }
    int images(const std::string& model) const
    {
        const std::lock_guard<std::mutex> lock(mMutex);
        const auto it = mImages.find(model);
        return it == mImages.end() ? 0 : it->second;
    }
    std::vector<std::string> meanLayers() const
    {
        const std::lock_guard<std::mutex> lock(mMutex);
        return mMeanLayers;
    }

private:
    mutable std::atomic<int> mTickets{1 << 30};
    mutable std::atomic<bool> mWaiting{false};
    mutable std::mutex mMutex;
    mutable std::map<std::string, int> mImages;
    mutable std::vector<std::string> mMeanLayers;
    mutable int mAnalyses = 0;
};

// The analysis side of the AnalysisSession; never asked for anything in these tests but the thread count.
class NoAnalysisBackend : public AnalysisBackend {
public:
    JobWork makeWork(AnalysisRequest) const override
    {
        return [](JobContext&) -> Expected<ResultPtr> { return makeError(ErrorKind::Internal, "not in this test"); };
    }
    Expected<NetworkDescription> describe(const ModelSpec& spec, const std::vector<CategorySpec>&) const override
    {
        NetworkDescription description;
        description.modelId = spec.id;
        return description;
    }
    void setThreads(int) const override {}
    Expected<std::string> setDevice(const std::string& name) const override { return name; }
    std::vector<std::string> devices() const override { return {"cpu"}; }
};

class BatchSessionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(mDir.isValid());
        auto registry = ModelRegistry::loadWithUser({});
        ASSERT_TRUE(registry.ok()) << registry.message();
        mRegistry = std::make_unique<ModelRegistry>(std::move(registry.value()));
        ASSERT_TRUE(QDir().mkpath(photos()));
        // Bright (tabby: right) and dark (Egyptian cat: wrong) images, and a text file that claims to be a PNG.
        const int grey[] = {230, 40, 200, 220, 30, 240};
        for (int i = 0; i < 6; ++i) {
            QImage image(40, 30, QImage::Format_RGB888);
            image.fill(QColor(grey[i], grey[i], grey[i]));
            ASSERT_TRUE(image.save(photos() + QStringLiteral("/a%1.png").arg(i)));
        }
        QFile bad(photos() + QStringLiteral("/bad.png"));
        ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
        bad.write("this is not an image\n");
        bad.close();
        mBackend = std::make_shared<StandInBatchBackend>();
        mJobs = std::make_unique<JobService>();
        mBatch = std::make_unique<BatchSession>(mJobs.get(), mBackend, nullptr);
    }

    void TearDown() override
    {
        mBackend->setTickets(1 << 30);
        mBatch.reset();
        mJobs.reset();
    }

    QString photos() const { return mDir.path() + QStringLiteral("/photos/n02123045"); }
    QString outDir() const { return mDir.path() + QStringLiteral("/out"); }

    BatchPlan plan(const QStringList& models = {QStringLiteral("resnet18")}) const
    {
        BatchPlan plan;
        plan.inputs = {mDir.path() + QStringLiteral("/photos")};
        plan.listing.recursive = true;
        for (const QString& id : models)
            plan.models.push_back(BatchModel{*mRegistry->find(id.toStdString()), QStringLiteral("/stand-in.pth")});
        plan.options.batchSize = 2;
        plan.options.decodeThreads = 1;
        plan.options.exemplarLayer = "layer4";
        plan.outDir = outDir();
        plan.resume = true;
        return plan;
    }

    bool waitForState(BatchSession::State state)
    {
        return QTest::qWaitFor([&] { return mBatch->state() == state; }, kWaitMs);
    }
    bool waitUntilBackendWaits()
    {
        return QTest::qWaitFor([&] { return mBackend->waiting(); }, kWaitMs);
    }
    const BatchRecord* find(const QString& file, const std::string& model = "resnet18") const
    {
        for (const BatchRecord& record : mBatch->records())
            if (record.file.endsWith(file) && record.modelId == model)
                return &record;
        return nullptr;
    }

    QTemporaryDir mDir;
    std::unique_ptr<ModelRegistry> mRegistry;
    std::shared_ptr<StandInBatchBackend> mBackend;
    std::unique_ptr<JobService> mJobs;
    std::unique_ptr<BatchSession> mBatch;
};

TEST_F(BatchSessionTest, RecordsArriveChunkByChunkWithAFailedRowForTheBadFile)
{
    QSignalSpy added(mBatch.get(), &BatchSession::recordsAdded);
    QSignalSpy progress(mBatch.get(), &BatchSession::progressChanged);
    QSignalSpy finished(mBatch.get(), &BatchSession::finished);
    QSignalSpy prepared(mBatch.get(), &BatchSession::prepared);
    mBatch->start(plan());
    EXPECT_EQ(mBatch->state(), BatchSession::State::Preparing);
    ASSERT_TRUE(waitForState(BatchSession::State::Done)) << mBatch->error().toStdString();

    ASSERT_EQ(prepared.count(), 1);
    EXPECT_EQ(prepared.front().at(0).toInt(), 7);
    EXPECT_EQ(prepared.front().at(1).toInt(), 0);
    ASSERT_EQ(mBatch->records().size(), 7u);
    EXPECT_GE(added.count(), 3) << "records come chunk by chunk, not at the end";
    int announced = 0;
    for (const QList<QVariant>& args : added) {
        EXPECT_EQ(args.at(0).toInt(), announced);
        announced += args.at(1).toInt();
    }
    EXPECT_EQ(announced, 7);
    ASSERT_FALSE(progress.isEmpty());
    EXPECT_EQ(progress.back().at(0).toInt(), 7);
    EXPECT_EQ(progress.back().at(1).toInt(), 7);
    EXPECT_EQ(mBatch->processed(), 7);
    EXPECT_EQ(mBatch->total(), 7);
    EXPECT_GT(mBatch->imagesPerSecond(), 0.0);
    EXPECT_EQ(mBatch->etaSeconds(), 0.0);

    const BatchRecord* bad = find(QStringLiteral("bad.png"));
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->status, BatchStatus::Failed);
    EXPECT_TRUE(QString::fromStdString(bad->error).contains(QStringLiteral("bad.png"))) << bad->error;
    const BatchRecord* bright = find(QStringLiteral("a0.png"));
    ASSERT_NE(bright, nullptr);
    EXPECT_EQ(bright->status, BatchStatus::Ok);
    EXPECT_EQ(bright->truth, kTabby);
    ASSERT_FALSE(bright->top.empty());
    EXPECT_EQ(bright->top.front().index, kTabby);
    EXPECT_FALSE(bright->thumbnail.isNull());
    const BatchRecord* dark = find(QStringLiteral("a1.png"));
    ASSERT_NE(dark, nullptr);
    EXPECT_EQ(dark->top.front().index, kEgyptianCat);

    const std::vector<ModelAccuracy> accuracy = mBatch->accuracy();
    ASSERT_EQ(accuracy.size(), 1u);
    EXPECT_EQ(accuracy.front().withTruth, 6);
    EXPECT_EQ(accuracy.front().top1, 4);
    EXPECT_EQ(accuracy.front().failed, 1);
    EXPECT_EQ(mBatch->exemplars("resnet18").channels(), 3);

    ASSERT_EQ(finished.count(), 1);
    EXPECT_TRUE(mBatch->outcome().complete);
    EXPECT_EQ(mBatch->outcome().processed, 7);
    EXPECT_TRUE(QFileInfo::exists(outDir() + QStringLiteral("/records.jsonl")));
}

TEST_F(BatchSessionTest, PauseStopsSchedulingAndResumeContinues)
{
    mBackend->setTickets(0);
    mBatch->start(plan());
    ASSERT_TRUE(waitForState(BatchSession::State::Running));
    ASSERT_TRUE(waitUntilBackendWaits());
    mBatch->pause();
    EXPECT_EQ(mBatch->state(), BatchSession::State::Paused);
    mBackend->setTickets(1 << 30);
    // The chunk in flight finishes and its records arrive; no other starts.
    ASSERT_TRUE(QTest::qWaitFor([&] { return mBatch->records().size() == 2; }, kWaitMs));
    QTest::qWait(300);
    EXPECT_EQ(mBatch->records().size(), 2u);
    EXPECT_EQ(mBatch->processed(), 2);
    EXPECT_EQ(mBackend->images("resnet18"), 2);
    EXPECT_EQ(mBatch->state(), BatchSession::State::Paused);
    EXPECT_TRUE(mJobs->isIdle());
    EXPECT_GT(mBatch->etaSeconds(), 0.0);

    mBatch->resume();
    EXPECT_EQ(mBatch->state(), BatchSession::State::Running);
    ASSERT_TRUE(waitForState(BatchSession::State::Done)) << mBatch->error().toStdString();
    EXPECT_EQ(mBatch->records().size(), 7u);
    EXPECT_EQ(mBackend->images("resnet18"), 6);
}

TEST_F(BatchSessionTest, CancelKeepsFinishedRecordsAndAResumedStartDoesNotRedoThem)
{
    // Two models: the second chunk is cut short after the first model, before the second.
    const QStringList models{QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")};
    QSignalSpy finished(mBatch.get(), &BatchSession::finished);
    mBackend->setTickets(3);
    mBatch->start(plan(models));
    ASSERT_TRUE(QTest::qWaitFor([&] { return mBackend->images("resnet18") == 4 && mBackend->waiting(); }, kWaitMs));
    mBatch->cancel();
    EXPECT_EQ(mBatch->state(), BatchSession::State::Finishing);
    ASSERT_TRUE(waitForState(BatchSession::State::Cancelled)) << mBatch->error().toStdString();
    ASSERT_EQ(finished.count(), 1);
    EXPECT_FALSE(mBatch->outcome().complete);
    EXPECT_EQ(mBatch->processed(), 2);
    // Both models of the first chunk, and the first model of the second (read back from records.jsonl).
    EXPECT_EQ(mBatch->records().size(), 6u);
    ASSERT_NE(find(QStringLiteral("a2.png"), "resnet18"), nullptr);
    EXPECT_FALSE(find(QStringLiteral("a2.png"), "resnet18")->thumbnail.isNull());
    EXPECT_EQ(find(QStringLiteral("a2.png"), "mobilenet_v3_small"), nullptr);

    mBackend->setTickets(1 << 30);
    QSignalSpy prepared(mBatch.get(), &BatchSession::prepared);
    mBatch->start(plan(models));
    ASSERT_TRUE(waitForState(BatchSession::State::Done)) << mBatch->error().toStdString();
    ASSERT_EQ(prepared.count(), 1);
    EXPECT_EQ(prepared.front().at(0).toInt(), 7);
    EXPECT_EQ(prepared.front().at(1).toInt(), 2) << "the images finished before the cancel";
    EXPECT_EQ(mBatch->records().size(), 14u);
    EXPECT_EQ(mBackend->images("resnet18"), 6) << "no image was classified twice";
    EXPECT_EQ(mBackend->images("mobilenet_v3_small"), 6);
    EXPECT_TRUE(mBatch->outcome().complete);
    EXPECT_EQ(mBatch->outcome().resumed, 2);
    QSet<QString> keys;
    for (const BatchRecord& record : mBatch->records())
        keys.insert(record.key());
    EXPECT_EQ(keys.size(), 14);
    EXPECT_EQ(mBatch->disagreements().size(), 0u);
}

TEST_F(BatchSessionTest, CancelWhilePausedFinishesWhatWasDone)
{
    mBackend->setTickets(1);
    mBatch->start(plan());
    ASSERT_TRUE(QTest::qWaitFor([&] { return mBatch->records().size() == 2; }, kWaitMs));
    mBatch->pause();
    mBatch->cancel();
    ASSERT_TRUE(waitForState(BatchSession::State::Cancelled));
    EXPECT_EQ(mBatch->records().size(), 2u);
    EXPECT_TRUE(QFileInfo::exists(outDir() + QStringLiteral("/summary.csv")));
}

TEST_F(BatchSessionTest, ABatchWithoutABackendFails)
{
    BatchSession batch(mJobs.get(), nullptr, nullptr);
    QSignalSpy failed(&batch, &BatchSession::failed);
    batch.start(plan());
    EXPECT_EQ(batch.state(), BatchSession::State::Failed);
    EXPECT_EQ(failed.count(), 1);
}

// ------------------------------------------------------------------------------------------------ the session

class SessionBatchTest : public BatchSessionTest {
protected:
    void SetUp() override
    {
        BatchSessionTest::SetUp();
        QSettings().clear();
        const char* names[] = {"CONVLENS_WEIGHTS_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TORCH_HOME"};
        for (const char* name : names)
            mSaved.emplace_back(name, qgetenv(name));
        qputenv("CONVLENS_WEIGHTS_DIR", weightsDir().toLocal8Bit());
        qputenv("XDG_CONFIG_HOME", (mDir.path() + QStringLiteral("/config")).toLocal8Bit());
        qputenv("XDG_CACHE_HOME", (mDir.path() + QStringLiteral("/cache")).toLocal8Bit());
        qputenv("TORCH_HOME", (mDir.path() + QStringLiteral("/torch")).toLocal8Bit());
        ASSERT_TRUE(QDir().mkpath(weightsDir()));
        for (const QString& name : {QStringLiteral("resnet18-f37072fd.pth"), QStringLiteral("resnet50-11ad3fa6.pth"),
                                    QStringLiteral("mobilenet_v3_small-047dcff4.pth")}) {
            QFile file(weightsDir() + QLatin1Char('/') + name);
            ASSERT_TRUE(file.open(QIODevice::WriteOnly));
            file.write("stand-in");
        }
        SessionOptions options;
        options.openSampleOnFirstStart = false;
        mSession = std::make_unique<AnalysisSession>(std::make_shared<NoAnalysisBackend>(), AppSettings{}, options);
        auto loaded = mSession->loadRegistryNow();
        ASSERT_TRUE(loaded.ok()) << loaded.message();
        mSession->setModel(QStringLiteral("resnet18"));
        mSession->setBatchBackend(mBackend, nullptr);
    }

    void TearDown() override
    {
        mSession.reset();
        for (const auto& [name, value] : mSaved)
            value.isEmpty() ? qunsetenv(name) : qputenv(name, value);
        BatchSessionTest::TearDown();
    }

    QString weightsDir() const { return mDir.path() + QStringLiteral("/weights"); }

    std::vector<std::pair<const char*, QByteArray>> mSaved;
    std::unique_ptr<AnalysisSession> mSession;
};

// A compare set of two families shares no layer names: each model keeps the exemplars of the shown layer when it
// has it, else of its own CAM target.
TEST_F(SessionBatchTest, EachModelOfACompareBatchKeepsExemplarsOfALayerItHas)
{
    mSession->selectLayer(QStringLiteral("layer3"));
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")});
    auto started = mSession->startBatch({mDir.path() + QStringLiteral("/photos")}, ListOptions{true, {}});
    ASSERT_TRUE(started.ok()) << started.message();
    const BatchPlan& plan = mSession->batch()->plan();
    ASSERT_EQ(plan.models.size(), 2u);
    EXPECT_EQ(plan.options.exemplarBlock(plan.models[0].spec), "layer3.1");
    EXPECT_EQ(plan.options.exemplarBlock(plan.models[1].spec), plan.models[1].spec.camTarget);
}

TEST_F(SessionBatchTest, StartBatchUsesTheMainViewsWeightsLayerAndANewCacheFolder)
{
    mSession->selectLayer(QStringLiteral("layer3"));
    const ListOptions listing{true, {QStringLiteral("png")}};
    auto started = mSession->startBatch({mDir.path() + QStringLiteral("/photos")}, listing);
    ASSERT_TRUE(started.ok()) << started.message();
    BatchSession* batch = mSession->batch();
    const BatchPlan& plan = batch->plan();
    ASSERT_EQ(plan.models.size(), 1u);
    EXPECT_EQ(plan.models.front().spec.id, "resnet18");
    EXPECT_EQ(plan.models.front().weightsPath, weightsDir() + QStringLiteral("/resnet18-f37072fd.pth"));
    EXPECT_EQ(plan.options.exemplarBlock(plan.models.front().spec), "layer3.1");  // the stage's last block
    EXPECT_EQ(plan.options.topK, mSession->settings().topK);
    EXPECT_TRUE(plan.listing.recursive);
    EXPECT_EQ(plan.listing.suffixes, QStringList{QStringLiteral("png")});
    const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    EXPECT_TRUE(plan.outDir.startsWith(cache + QStringLiteral("/batches/"))) << plan.outDir.toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return batch->state() == BatchSession::State::Done; }, kWaitMs))
        << batch->error().toStdString();
    EXPECT_EQ(batch->records().size(), 7u);
    EXPECT_EQ(mBackend->meanLayers().front(), "layer3.1") << "the stage stands for its last block";

    // Export: the same files and models again, with reports of the current method, into the folder chosen.
    mSession->setMethod(QStringLiteral("gradcampp"));
    const QString reports = mDir.path() + QStringLiteral("/reports");
    auto exported = mSession->exportBatch(reports);
    ASSERT_TRUE(exported.ok()) << exported.message();
    EXPECT_TRUE(batch->plan().options.reports);
    EXPECT_EQ(batch->plan().options.methods, std::vector<std::string>{"gradcampp"});
    EXPECT_EQ(batch->plan().outDir, reports);
    EXPECT_TRUE(batch->plan().resume);
    ASSERT_TRUE(QTest::qWaitFor([&] { return batch->state() == BatchSession::State::Done; }, kWaitMs))
        << batch->error().toStdString();
    EXPECT_EQ(batch->records().size(), 7u);
}

TEST_F(SessionBatchTest, TheSameBatchAfterACancelGoesOnInItsFolder)
{
    const QStringList paths{mDir.path() + QStringLiteral("/photos")};
    const ListOptions listing{true, {}};
    const QStringList models{QStringLiteral("resnet18"), QStringLiteral("resnet50")};
    // One chunk holds every image: the first model classifies them, the second waits and is cancelled.
    mBackend->setTickets(1);
    ASSERT_TRUE(mSession->startBatch(paths, listing, models).ok());
    BatchSession* batch = mSession->batch();
    ASSERT_TRUE(QTest::qWaitFor([&] { return mBackend->waiting() && mBackend->images("resnet18") == 6; }, kWaitMs));
    const QString first = batch->plan().outDir;
    batch->cancel();
    ASSERT_TRUE(QTest::qWaitFor([&] { return batch->state() == BatchSession::State::Cancelled; }, kWaitMs));
    EXPECT_EQ(batch->records().size(), 8u) << "the first model's records, and the bad file's for both";

    mBackend->setTickets(1 << 30);
    ASSERT_TRUE(mSession->startBatch(paths, listing, models).ok());
    EXPECT_EQ(batch->plan().outDir, first);
    ASSERT_TRUE(QTest::qWaitFor([&] { return batch->state() == BatchSession::State::Done; }, kWaitMs));
    EXPECT_EQ(mBackend->images("resnet18"), 6) << "nothing done twice";
    EXPECT_EQ(mBackend->images("resnet50"), 6);
    EXPECT_EQ(batch->records().size(), 14u);

    // Once done, the same folder again is a new batch.
    ASSERT_TRUE(mSession->startBatch(paths, listing, models).ok());
    EXPECT_NE(batch->plan().outDir, first);
    ASSERT_TRUE(QTest::qWaitFor([&] { return !batch->isActive(); }, kWaitMs));
}

TEST_F(SessionBatchTest, TheCompareSetIsTheBatchsModelsAndMissingWeightsFailIt)
{
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("resnet50")});
    ASSERT_TRUE(mSession->compareActive());
    EXPECT_EQ(mSession->batchModels(), (QStringList{QStringLiteral("resnet18"), QStringLiteral("resnet50")}));
    mSession->setCompareActive(false);
    EXPECT_EQ(mSession->batchModels(), QStringList{QStringLiteral("resnet18")});

    auto started = mSession->startBatch({photos()}, {}, {QStringLiteral("resnet18"), QStringLiteral("densenet121")});
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.kind(), ErrorKind::Weights);
    EXPECT_EQ(mSession->batch()->state(), BatchSession::State::Idle) << "nothing started";

    auto unknown = mSession->startBatch({photos()}, {}, {QStringLiteral("no-such-model")});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.kind(), ErrorKind::BadInput);

    EXPECT_EQ(mSession->exportBatch(mDir.path()).kind(), ErrorKind::BadInput) << "no batch yet";
}

}  // namespace
}  // namespace convlens
