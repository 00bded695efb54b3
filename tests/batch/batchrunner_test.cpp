// BatchRunner with a stand-in backend: every image once per model however the run is cut, the look-ahead's order,
// the result cache, failed files, resume.
#include "core/batch/batchrunner.h"

#include "core/registry/modelregistry.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace convlens {
namespace {

// Classifies by the mean of the first input value (the images are flat colours), counts its calls, and sets
// `cancelAfter` calls' worth of the cancel flag.
class StandInBackend : public BatchBackend {
public:
    Expected<std::vector<ClassifyOutput>> classify(const ModelSpec& spec, const QString&,
                                                   const std::vector<PreprocessedImage>& images, int topK,
                                                   const std::string& meanLayer, int threads,
                                                   const std::atomic<bool>* cancel) const override
    {
        if (passMs > 0) {  // a pass that takes time, so that passes side by side overlap
            const int now = ++mRunning;
            std::this_thread::sleep_for(
                std::chrono::milliseconds(threads == 1 && oneThreadPassMs > 0 ? oneThreadPassMs : passMs));
            std::lock_guard lock(mMutex);
            mostAtOnce = std::max(mostAtOnce, now);
            --mRunning;
        }
        std::lock_guard lock(mMutex);
        ++calls;
        imagesSeen += int(images.size());
        batchSizes.insert(int(images.size()));
        threadsAsked.insert(threads);
        lastThreads = threads;
        if (cancel && cancel->load())
            return makeError(ErrorKind::Cancelled, "cancelled");
        std::vector<ClassifyOutput> outputs;
        for (const PreprocessedImage& image : images) {
            ClassifyOutput output;
            const int cls = int((image.chw.front() + 3.0f) * 100.0f) % spec.numClasses;
            output.prediction.top = {{cls, spec.labels[std::size_t(cls)], 0.9f}};
            if (!meanLayer.empty())
                output.channelMeans = {image.chw.front(), -image.chw.front()};
            outputs.push_back(output);
        }
        if (cancelAfter > 0 && calls >= cancelAfter && flag)
            flag->store(true);
        return outputs;
    }

    Expected<AnalysisResult> analyzeImage(const ModelSpec&, const QString&, const QImage&, const AnalysisOptions&,
                                          const std::atomic<bool>*) const override
    {
        return makeError(ErrorKind::Internal, "not used");
    }

    int inferenceThreads() const override { return inference; }

    mutable std::mutex mMutex;
    mutable int calls = 0;
    mutable int imagesSeen = 0;
    mutable std::set<int> batchSizes;
    mutable std::set<int> threadsAsked;
    mutable int mostAtOnce = 0;  // passes running at the same time (with passMs)
    mutable std::atomic<int> mRunning{0};
    int inference = 1;  // what inferenceThreads() says
    int passMs = 0;
    int oneThreadPassMs = 0;  // a pass on one thread (threads == 1) takes this long instead
    mutable int lastThreads = -1;
    int cancelAfter = 0;
    std::atomic<bool>* flag = nullptr;
};

class BatchRunnerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto registry = ModelRegistry::loadDefault();
        ASSERT_TRUE(registry) << registry.message();
        mModels = {{*registry->find("resnet18"), {}}, {*registry->find("mobilenet_v3_small"), {}}};
        const QString folder = mDir.filePath(QStringLiteral("in"));
        QDir().mkpath(folder);
        for (int i = 0; i < 22; ++i) {
            QImage image(40 + i, 30, QImage::Format_RGB888);
            image.fill(QColor(i * 11, 100, 50));
            ASSERT_TRUE(image.save(QStringLiteral("%1/img%2.png").arg(folder).arg(i, 2, 10, QLatin1Char('0'))));
        }
        QFile bad(folder + QStringLiteral("/zz-bad.png"));
        ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
        bad.write("not a picture");
    }

    BatchPlan plan(const QString& out, int batchSize = 4) const
    {
        BatchPlan p;
        p.inputs = {mDir.filePath(QStringLiteral("in"))};
        p.models = mModels;
        p.outDir = mDir.filePath(out);
        p.options.batchSize = batchSize;
        p.options.topK = 1;
        p.options.decodeThreads = 2;
        p.options.contactSheetLimit = 4;
        return p;
    }

    static std::map<QString, int> keyCounts(const QString& folder)
    {
        auto read = readRecords(folder);
        std::map<QString, int> counts;
        if (read)
            for (const BatchRecord& record : read->records)
                ++counts[record.key()];
        return counts;
    }

    QTemporaryDir mDir;
    std::vector<BatchModel> mModels;
};

TEST_F(BatchRunnerTest, EveryImageOncePerModelInBatchesWithTheBadFileFailed)
{
    auto backend = std::make_shared<StandInBackend>();
    BatchRunner runner(backend, nullptr, plan(QStringLiteral("out")));
    ASSERT_TRUE(runner.prepare());
    EXPECT_EQ(runner.total(), 23);
    int steps = 0;
    std::vector<BatchRecord> all;
    while (!runner.finished()) {
        auto records = runner.step();
        ASSERT_TRUE(records) << records.message();
        for (BatchRecord& record : *records) {
            EXPECT_FALSE(record.thumbnail.isNull() && record.status == BatchStatus::Ok);
            all.push_back(std::move(record));
        }
        ++steps;
    }
    EXPECT_EQ(steps, 6);  // 23 images, 4 a chunk
    EXPECT_EQ(runner.processed(), 23);
    EXPECT_EQ(all.size(), 46u);
    EXPECT_EQ(backend->imagesSeen, 44);  // the bad file never reaches the model
    EXPECT_EQ(backend->batchSizes, (std::set<int>{2, 4}));
    const auto counts = keyCounts(mDir.filePath(QStringLiteral("out")));
    EXPECT_EQ(counts.size(), 46u);
    for (const auto& [key, count] : counts)
        EXPECT_EQ(count, 1) << key.toStdString();
    int failed = 0;
    for (const BatchRecord& record : all)
        if (record.status == BatchStatus::Failed) {
            ++failed;
            EXPECT_EQ(record.file, QStringLiteral("in/zz-bad.png"));
            EXPECT_NE(record.error.find("in/zz-bad.png"), std::string::npos);
        }
    EXPECT_EQ(failed, 2);
    auto outcome = runner.finish();
    ASSERT_TRUE(outcome) << outcome.message();
    EXPECT_TRUE(outcome->complete);
    EXPECT_EQ(outcome->failed, 1);
    for (const char* name : {"summary.csv", "summary.json", "summary.png", "summary.pdf", "batch.json"})
        EXPECT_TRUE(QFileInfo::exists(mDir.filePath(QStringLiteral("out/") + QLatin1String(name)))) << name;
}

TEST_F(BatchRunnerTest, StreamsRunPassesSideBySideWithTheSameRecords)
{
    // One stream (the backend says one inference thread): one pass at a time on all threads.
    const auto tops = [](const std::vector<BatchRecord>& records) {
        std::map<QString, std::pair<int, int>> top;  // key → (status, class)
        for (const BatchRecord& record : records)
            top[record.key()] = {int(record.status), record.top.empty() ? -1 : record.top.front().index};
        return top;
    };
    const auto runAll = [](BatchRunner& runner, int* steps) {
        std::vector<BatchRecord> all;
        EXPECT_TRUE(runner.prepare());
        while (!runner.finished()) {
            auto records = runner.step();
            EXPECT_TRUE(records) << records.message();
            if (!records)
                break;
            all.insert(all.end(), records->begin(), records->end());
            ++*steps;
        }
        return all;
    };
    auto one = std::make_shared<StandInBackend>();
    one->passMs = 20;
    BatchRunner single(one, nullptr, plan(QStringLiteral("single"), 4));
    int singleSteps = 0;
    const auto singleRecords = runAll(single, &singleSteps);
    EXPECT_EQ(singleSteps, 6);
    EXPECT_EQ(one->threadsAsked, (std::set<int>{0}));  // the configured count
    EXPECT_EQ(one->mostAtOnce, 1);

    // Two streams: two passes side by side, one thread each, a chunk of two batches per step.
    auto two = std::make_shared<StandInBackend>();
    two->passMs = 20;
    two->inference = 2;
    BatchPlan sideBySide = plan(QStringLiteral("streams"), 4);
    sideBySide.options.streams = 2;
    BatchRunner streams(two, nullptr, sideBySide);
    int streamSteps = 0;
    const auto streamRecords = runAll(streams, &streamSteps);
    EXPECT_EQ(streamSteps, 3);  // 23 images, 8 a chunk
    EXPECT_EQ(two->threadsAsked, (std::set<int>{1}));
    EXPECT_EQ(two->mostAtOnce, 2);
    EXPECT_EQ(two->imagesSeen, 44);
    EXPECT_EQ(tops(streamRecords), tops(singleRecords));
    EXPECT_EQ(keyCounts(mDir.filePath(QStringLiteral("streams"))).size(), 46u);
    ASSERT_TRUE(streams.finish());

    // --streams 1 keeps one pass on all threads whatever the count.
    auto fixed = std::make_shared<StandInBackend>();
    fixed->inference = 2;
    BatchPlan onePass = plan(QStringLiteral("fixed"), 4);
    onePass.options.streams = 1;
    BatchRunner pinned(fixed, nullptr, onePass);
    int pinnedSteps = 0;
    EXPECT_EQ(tops(runAll(pinned, &pinnedSteps)), tops(singleRecords));
    EXPECT_EQ(pinnedSteps, 6);
    EXPECT_EQ(fixed->threadsAsked, (std::set<int>{0}));
}

TEST_F(BatchRunnerTest, TheFasterArrangementOfThePassesIsKept)
{
    // 64 images, chunks of two passes of 4: the first four chunks try both arrangements, the rest use the faster.
    const QString folder = mDir.filePath(QStringLiteral("many"));
    QDir().mkpath(folder);
    for (int i = 0; i < 64; ++i) {
        QImage image(32, 24, QImage::Format_RGB888);
        image.fill(QColor(i * 3, 60, 90));
        ASSERT_TRUE(image.save(QStringLiteral("%1/img%2.png").arg(folder).arg(i, 2, 10, QLatin1Char('0'))));
    }
    const auto run = [&](const QString& out, int oneThreadPassMs, int batchSize, const QString& input = {}) {
        auto backend = std::make_shared<StandInBackend>();
        backend->inference = 2;
        backend->passMs = 40;  // margins of 40 ms and more: the decision holds on a loaded machine under ASan
        backend->oneThreadPassMs = oneThreadPassMs;
        BatchPlan p = plan(out, batchSize);
        p.inputs = {input.isEmpty() ? folder : input};
        p.models = {mModels.front()};
        BatchRunner runner(backend, nullptr, p);
        EXPECT_TRUE(runner.prepare());
        while (!runner.finished())
            EXPECT_TRUE(runner.step());
        return backend;
    };
    // Passes as fast on one thread: side by side halves a chunk's time, and is kept.
    auto fast = run(QStringLiteral("fast"), 40, 4);
    EXPECT_EQ(fast->threadsAsked, (std::set<int>{0, 1}));  // both tried
    EXPECT_EQ(fast->lastThreads, 1);
    // Passes five times slower on one thread: one after another on all threads wins.
    auto slow = run(QStringLiteral("slow"), 200, 2);
    EXPECT_EQ(slow->threadsAsked, (std::set<int>{0, 1}));
    EXPECT_EQ(slow->lastThreads, 0);
    EXPECT_EQ(slow->imagesSeen, 64);
    // The choice is remembered: a second batch of the same model and batch size tries nothing.
    auto again = run(QStringLiteral("again"), 200, 2);
    EXPECT_EQ(again->threadsAsked, (std::set<int>{0}));

    // Batches too short to finish the trial (two full chunks of 3 + 3 images each) go on where the last one left
    // it: the second decides, the third tries nothing.
    const QString few = mDir.filePath(QStringLiteral("few"));
    QDir().mkpath(few);
    for (int i = 0; i < 12; ++i)
        ASSERT_TRUE(QFile::copy(QStringLiteral("%1/img%2.png").arg(folder).arg(i, 2, 10, QLatin1Char('0')),
                                QStringLiteral("%1/img%2.png").arg(few).arg(i, 2, 10, QLatin1Char('0'))));
    EXPECT_EQ(run(QStringLiteral("few1"), 200, 3, few)->threadsAsked, (std::set<int>{0, 1}));
    EXPECT_EQ(run(QStringLiteral("few2"), 200, 3, few)->threadsAsked, (std::set<int>{0, 1}));
    EXPECT_EQ(run(QStringLiteral("few3"), 200, 3, few)->threadsAsked, (std::set<int>{0}));
}

TEST_F(BatchRunnerTest, ACancelledChunkKeepsItsRecordsAndResumeDoesOnlyTheRest)
{
    std::atomic<bool> cancel{false};
    auto backend = std::make_shared<StandInBackend>();
    backend->cancelAfter = 3;  // mid-chunk: after the first model's pass of the second chunk
    backend->flag = &cancel;
    {
        BatchRunner runner(backend, nullptr, plan(QStringLiteral("out"), 4));
        ASSERT_TRUE(runner.prepare());
        auto first = runner.step(&cancel);
        ASSERT_TRUE(first);
        auto second = runner.step(&cancel);
        ASSERT_FALSE(second);
        EXPECT_EQ(second.kind(), ErrorKind::Cancelled);
        EXPECT_EQ(runner.processed(), 4);
        ASSERT_TRUE(runner.finish());
    }
    // The second chunk's resnet18 records were written; resume does only what is missing.
    const auto before = keyCounts(mDir.filePath(QStringLiteral("out")));
    EXPECT_EQ(before.size(), 12u);
    auto resumedBackend = std::make_shared<StandInBackend>();
    BatchPlan resumed = plan(QStringLiteral("out"), 4);
    resumed.resume = true;
    BatchRunner runner(resumedBackend, nullptr, resumed);
    ASSERT_TRUE(runner.prepare());
    EXPECT_EQ(runner.processed(), 4);
    EXPECT_EQ(runner.resumedRecords().size(), 12u);
    while (!runner.finished())
        ASSERT_TRUE(runner.step());
    EXPECT_EQ(resumedBackend->imagesSeen, 44 - 12);
    const auto after = keyCounts(mDir.filePath(QStringLiteral("out")));
    EXPECT_EQ(after.size(), 46u);
    for (const auto& [key, count] : after)
        EXPECT_EQ(count, 1) << key.toStdString();
}

TEST_F(BatchRunnerTest, TheResultCacheServesASecondRunAndExemplarsAreKept)
{
    auto cache = std::make_shared<ResultCache>();
    auto backend = std::make_shared<StandInBackend>();
    BatchPlan first = plan(QStringLiteral("one"));
    first.options.exemplarLayer = "layer4";  // resnet18's; mobilenet_v3_small keeps none
    first.options.exemplarsPerChannel = 3;
    {
        BatchRunner runner(backend, cache, first);
        ASSERT_TRUE(runner.prepare());
        while (!runner.finished())
            ASSERT_TRUE(runner.step());
        const ChannelExemplars kept = runner.exemplars("resnet18");
        ASSERT_EQ(kept.channels(), 2);
        ASSERT_EQ(kept.top(0).size(), 3u);
        // Channel 0 is the first input value (brighter red, later file); channel 1 its negation.
        EXPECT_EQ(kept.top(0).front().file, QStringLiteral("in/img21.png"));
        EXPECT_EQ(kept.top(1).front().file, QStringLiteral("in/img00.png"));
        EXPECT_TRUE(runner.exemplars("mobilenet_v3_small").isEmpty());
        ASSERT_TRUE(runner.finish());
    }
    EXPECT_TRUE(QFileInfo::exists(mDir.filePath(QStringLiteral("one/exemplars-resnet18.json"))));
    const int callsAfterFirst = backend->calls;
    BatchPlan second = first;
    second.outDir = mDir.filePath(QStringLiteral("two"));
    BatchRunner runner(backend, cache, second);
    ASSERT_TRUE(runner.prepare());
    std::vector<BatchRecord> records;
    while (!runner.finished()) {
        auto step = runner.step();
        ASSERT_TRUE(step);
        records.insert(records.end(), step->begin(), step->end());
    }
    EXPECT_EQ(backend->calls, callsAfterFirst);
    for (const BatchRecord& record : records)
        EXPECT_EQ(record.cached, record.status == BatchStatus::Ok) << record.file.toStdString();
    EXPECT_EQ(runner.exemplars("resnet18").top(0).front().file, QStringLiteral("in/img21.png"));
}

}  // namespace
}  // namespace convlens
