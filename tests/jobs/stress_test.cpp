// Stress: 100 analyses over three models through one JobService, with cancels (explicit and by a newer request
// for the same view), model switches under a model pool that holds one network, and evictions from a small result
// cache — beside a folder batch on the same engine that is cancelled and then resumed. Every job must reach one
// final state (none hangs), every finished analysis must equal a calm run of the same image and model, and the
// batch must end with every image exactly once, with the calm predictions.
#include "core/batch/batchrecord.h"
#include "core/common/threads.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/jobservice.h"
#include "core/registry/modelregistry.h"
#include "core/session/batchsession.h"
#include "tests/models/modelfixture.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace convlens;

namespace {

constexpr int kAnalyses = 100;
constexpr int kCopies = 8;  // of each photo in the batch
constexpr int kImages = 3 * kCopies;
constexpr int kTimeoutMs = 900000;  // two shared cores, and this is the long test of the room

const std::vector<std::string> kModels = {"resnet18", "mobilenet_v3_small", "shufflenet_v2_x1_0"};
const QStringList kPhotos = {QStringLiteral("chelsea.jpg"), QStringLiteral("coffee.jpg"),
                             QStringLiteral("rocket.jpg")};

QByteArray readAll(const QString& path)
{
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
    return file.readAll();
}

AnalysisOptions stressOptions()
{
    AnalysisOptions options;
    options.methods = {"gradcam"};
    options.topK = 2;
    options.tilesPerLayer = 2;
    return options;
}

// What must not differ from a calm run: predictions, every logit, the layer statistics, the CAM grids.
void expectSameAnalysis(const AnalysisResult& calm, const AnalysisResult& stressed, const std::string& what)
{
    EXPECT_EQ(stressed.imageSha256, calm.imageSha256) << what;
    EXPECT_EQ(stressed.prediction.logits, calm.prediction.logits) << what;
    ASSERT_EQ(stressed.prediction.top.size(), calm.prediction.top.size()) << what;
    for (size_t i = 0; i < calm.prediction.top.size(); ++i)
        EXPECT_EQ(stressed.prediction.top[i].index, calm.prediction.top[i].index) << what;
    ASSERT_EQ(stressed.layers.size(), calm.layers.size()) << what;
    for (size_t i = 0; i < calm.layers.size(); ++i) {
        ASSERT_EQ(stressed.layers[i].channels.size(), calm.layers[i].channels.size()) << what;
        for (size_t c = 0; c < calm.layers[i].channels.size(); ++c)
            EXPECT_EQ(stressed.layers[i].channels[c].mean, calm.layers[i].channels[c].mean) << what;
    }
    ASSERT_EQ(stressed.cams.size(), calm.cams.size()) << what;
    for (size_t i = 0; i < calm.cams.size(); ++i) {
        EXPECT_EQ(stressed.cams[i].classIndex, calm.cams[i].classIndex) << what;
        EXPECT_EQ(stressed.cams[i].grid, calm.cams[i].grid) << what;
    }
}

class StressTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        setInferenceThreads(2);
        auto registry = ModelRegistry::loadDefault();
        ASSERT_TRUE(registry) << registry.message();
        mRegistry = std::make_unique<ModelRegistry>(std::move(*registry));
        for (const std::string& id : kModels) {
            auto fixture = test::readModelFixture(id);
            ASSERT_TRUE(fixture) << fixture.message();
            mWeights[id] = QString::fromStdString(fixture->weightsPath);
        }
        for (const QString& photo : kPhotos)
            mPaths << QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/") + photo;
    }

    AnalysisRequest request(const std::string& model, int image) const
    {
        return AnalysisRequest{mPaths[image], {}, *mRegistry->find(model), mWeights.at(model), stressOptions()};
    }

    std::unique_ptr<ModelRegistry> mRegistry;
    std::map<std::string, QString> mWeights;
    QStringList mPaths;
};

TEST_F(StressTest, AnalysesWithCancelsModelSwitchesEvictionsAndACancelledBatchEqualACalmRun)
{
    // The calm run: each image × model once, alone, without a cache.
    std::map<std::pair<std::string, int>, ResultPtr> calm;
    {
        const AnalysisEngine engine(nullptr);
        for (const std::string& model : kModels)
            for (int image = 0; image < kPhotos.size(); ++image) {
                auto run = engine.run(request(model, image));
                ASSERT_TRUE(run) << run.message();
                calm[{model, image}] = run->result;
            }
    }

    // The stressed engine: a cache of 4 results for 9 combinations, a model pool of one network.
    ResultCacheConfig config;
    config.maxItems = 4;
    auto cache = std::make_shared<ResultCache>(config);
    auto engine = std::make_shared<AnalysisEngine>(cache, /*modelMemoryBytes=*/1);
    JobService jobs;

    struct Submitted {
        std::string model;
        int image = 0;
    };
    std::map<JobId, Submitted> submitted;
    std::map<JobId, JobOutcome> outcomes;
    QObject::connect(&jobs, &JobService::jobFinished, [&](quint64 id, const JobOutcome& outcome) {
        if (submitted.count(id) == 0)
            return;  // the batch's own jobs (signals come from the event loop, after submit returned the id)
        EXPECT_TRUE(outcomes.emplace(id, outcome).second) << "job " << id << " finished twice";
    });

    // Beside the analyses: a batch over the three photos eight times (24 images) on the same engine and service,
    // cancelled as soon as its second chunk is done (chunks of 2), with the analyses queued around it.
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString input = dir.filePath(QStringLiteral("photos"));
    ASSERT_TRUE(QDir().mkpath(input));
    for (int copy = 0; copy < kCopies; ++copy)
        for (int image = 0; image < kPhotos.size(); ++image)
            ASSERT_TRUE(QFile::copy(mPaths[image], input + QStringLiteral("/%1-%2").arg(copy).arg(kPhotos[image])));
    BatchPlan plan;
    plan.inputs = {input};
    plan.outDir = dir.filePath(QStringLiteral("out"));
    plan.models = {BatchModel{*mRegistry->find("resnet18"), mWeights.at("resnet18")}};
    plan.options.topK = 2;
    plan.options.batchSize = 2;
    BatchSession batch(&jobs, engine, cache);
    QSignalSpy batchFinished(&batch, &BatchSession::finished);
    bool batchCancelled = false;
    QObject::connect(&batch, &BatchSession::progressChanged, [&](int processed, int) {
        if (processed >= 4 && !batchCancelled) {
            batchCancelled = true;
            batch.cancel();
        }
    });
    batch.start(plan);

    std::mt19937 random(20261202);
    int explicitCancels = 0;
    for (int i = 0; i < kAnalyses; ++i) {
        const std::string& model = kModels[random() % kModels.size()];
        const int image = static_cast<int>(random() % kPhotos.size());
        // Three views: a newer request for the same view supersedes (cancels) the older one.
        const QString view = QStringLiteral("view-%1").arg(random() % 3);
        const JobId id = jobs.submitInteractive(view, engine->makeWork(request(model, image)));
        submitted[id] = {model, image};
        if (i % 7 == 3) {
            jobs.cancel(id);
            ++explicitCancels;
        }
        // Let some finish, the others queue up behind them and be superseded.
        if (i % 4 == 0 && i % 7 != 3) {
            QElapsedTimer waited;
            waited.start();
            while (outcomes.count(id) == 0 && waited.elapsed() < kTimeoutMs)
                QTest::qWait(10);
        } else {
            QTest::qWait(static_cast<int>(random() % 40));
        }
    }

    QElapsedTimer timer;
    timer.start();
    while (outcomes.size() < submitted.size() && timer.elapsed() < kTimeoutMs)
        QTest::qWait(50);
    ASSERT_EQ(outcomes.size(), submitted.size()) << "a job never finished";
    if (batchFinished.isEmpty()) {
        ASSERT_TRUE(batchFinished.wait(kTimeoutMs)) << "the cancelled batch never finished";
    }
    EXPECT_EQ(batch.state(), BatchSession::State::Cancelled);
    EXPECT_LT(batch.outcome().processed, kImages);

    int succeeded = 0, cancelled = 0;
    for (const auto& [id, outcome] : outcomes) {
        const Submitted& what = submitted.at(id);
        const std::string name = what.model + " on " + kPhotos[what.image].toStdString() + ", job " + std::to_string(id);
        if (outcome.state == JobState::Succeeded) {
            ++succeeded;
            ASSERT_NE(outcome.result, nullptr) << name;
            expectSameAnalysis(*calm.at({what.model, what.image}), *outcome.result, name);
        } else {
            EXPECT_EQ(outcome.state, JobState::Cancelled) << name << ": " << outcome.error.toStdString();
            ++cancelled;
        }
    }
    std::cout << "stress: " << succeeded << " analyses finished (each equal to the calm run), " << cancelled
              << " cancelled (" << explicitCancels << " explicitly), " << cache->counters().evictions
              << " cache evictions, " << engine->modelLoads() << " model loads; the batch stopped at "
              << batch.outcome().processed << " of " << kImages << " images\n";
    EXPECT_GE(cancelled, explicitCancels) << "the explicit cancels end Cancelled";
    EXPECT_GE(succeeded, 10) << "most views' latest requests finish";
    EXPECT_GT(cache->counters().evictions, 0) << "the cache was too small for the work, as intended";
    EXPECT_GT(engine->modelLoads(), static_cast<long long>(kModels.size())) << "models were switched and reloaded";
    EXPECT_LE(engine->loadedModels(), 1);

    // Resume the cancelled batch: every image exactly once, each with the calm run's top classes.
    const int before = static_cast<int>(batch.records().size());
    plan.resume = true;
    batchFinished.clear();
    batch.start(plan);
    ASSERT_TRUE(batchFinished.wait(kTimeoutMs)) << batch.error().toStdString();
    EXPECT_EQ(batch.state(), BatchSession::State::Done) << batch.error().toStdString();
    EXPECT_TRUE(batch.outcome().complete);
    EXPECT_EQ(batch.outcome().processed, kImages);
    EXPECT_EQ(batch.outcome().resumed, before) << "what the cancelled run finished is kept, not redone";
    const QByteArray lines = readAll(QDir(plan.outDir).filePath(QStringLiteral("records.jsonl")));
    EXPECT_EQ(lines.count('\n'), kImages) << "one record per image, none written twice:\n" << lines.toStdString();
    auto records = readRecords(plan.outDir);
    ASSERT_TRUE(records) << records.message();
    EXPECT_TRUE(records->problems.isEmpty()) << records->problems.join(u'\n').toStdString();
    std::set<QString> files;
    for (const BatchRecord& record : records->records) {
        EXPECT_TRUE(files.insert(record.file).second) << record.file.toStdString() << " twice";
        EXPECT_EQ(record.status, BatchStatus::Ok) << record.error;
        int image = -1;
        for (int i = 0; i < kPhotos.size(); ++i)
            if (record.file.endsWith(kPhotos[i]))
                image = i;
        ASSERT_GE(image, 0) << record.file.toStdString();
        const Prediction& reference = calm.at({"resnet18", image})->prediction;
        ASSERT_EQ(record.top.size(), 2u);
        for (size_t k = 0; k < 2; ++k) {
            EXPECT_EQ(record.top[k].index, reference.top[k].index) << record.file.toStdString();
            EXPECT_NEAR(record.top[k].probability, reference.top[k].probability, 1e-5) << record.file.toStdString();
        }
    }
    EXPECT_EQ(static_cast<int>(files.size()), kImages);
}

}  // namespace
