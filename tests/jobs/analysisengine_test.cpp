// AnalysisEngine on the real fixture checkpoints: JobService jobs that succeed with the image's sha256, cache hits
// observed through counters (memory, pasted bytes, disk across engines), a corrupt or missing image failing only
// its own job, cancel during Score-CAM, the model pool's memory bound, and Analyzer::parameterBytes.
#include "core/inspect/analyzer.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/jobservice.h"
#include "core/registry/modelregistry.h"
#include "tests/models/modelfixture.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace convlens;

namespace {

constexpr int kTimeoutMs = 300000;  // two shared cores: an analysis can take a while

QString samplePath()
{
    return QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/chelsea.jpg");
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
    return file.readAll();
}

class AnalysisEngineTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto registry = ModelRegistry::loadDefault();
        ASSERT_TRUE(registry) << registry.message();
        mRegistry = std::make_unique<ModelRegistry>(std::move(*registry));
    }

    const ModelSpec& spec(const std::string& id)
    {
        const ModelSpec* found = mRegistry->find(id);
        EXPECT_NE(found, nullptr) << id;
        return *found;
    }

    static QString weights(const std::string& id)
    {
        auto fixture = test::readModelFixture(id);
        EXPECT_TRUE(fixture) << fixture.message();
        return fixture ? QString::fromStdString(fixture->weightsPath) : QString();
    }

    AnalysisRequest request(const std::string& id, const QString& image, AnalysisOptions options)
    {
        return AnalysisRequest{image, {}, spec(id), weights(id), std::move(options)};
    }

    static AnalysisOptions fastOptions(int topK = 2)
    {
        AnalysisOptions options;
        options.methods = {"gradcam"};
        options.topK = topK;
        options.tilesPerLayer = 2;
        return options;
    }

    std::unique_ptr<ModelRegistry> mRegistry;
};

// Submits `works` as batch jobs and returns their outcomes, in submission order.
std::vector<JobOutcome> runAll(JobService& service, const std::vector<JobWork>& works)
{
    QSignalSpy spy(&service, &JobService::jobFinished);
    std::vector<JobId> ids;
    for (const JobWork& work : works)
        ids.push_back(service.submitBatch(work));
    EXPECT_TRUE(QTest::qWaitFor([&] { return spy.count() == static_cast<int>(works.size()); }, kTimeoutMs));
    std::map<JobId, JobOutcome> byId;
    for (const QList<QVariant>& signal : spy)
        byId[signal.at(0).value<quint64>()] = signal.at(1).value<JobOutcome>();
    std::vector<JobOutcome> outcomes;
    for (JobId id : ids)
        outcomes.push_back(byId[id]);
    return outcomes;
}

JobOutcome runOne(JobService& service, const JobWork& work)
{
    return runAll(service, {work}).front();
}

}  // namespace

TEST_F(AnalysisEngineTest, JobSucceedsWithTheImageSha256AndTheSecondRequestIsACacheHit)
{
    auto cache = std::make_shared<ResultCache>();
    AnalysisEngine engine(cache);
    JobService service;

    const JobOutcome first = runOne(service, engine.makeWork(request("resnet18", samplePath(), fastOptions())));
    ASSERT_EQ(first.state, JobState::Succeeded) << first.error.toStdString();
    const QByteArray bytes = readAll(samplePath());
    EXPECT_EQ(first.result->imageSha256,
              QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString());
    EXPECT_EQ(first.result->modelId, "resnet18");
    ASSERT_EQ(first.result->cams.size(), 2u);
    EXPECT_EQ(first.result->prediction.top.size(), 2u);
    EXPECT_EQ(cache->counters().misses, 1);
    EXPECT_EQ(cache->counters().stores, 1);
    EXPECT_EQ(engine.modelLoads(), 1);

    const JobOutcome second = runOne(service, engine.makeWork(request("resnet18", samplePath(), fastOptions())));
    ASSERT_EQ(second.state, JobState::Succeeded) << second.error.toStdString();
    EXPECT_EQ(second.result, first.result);  // the very same cached object
    EXPECT_EQ(cache->counters().hits, 1);
    EXPECT_EQ(cache->counters().misses, 1);

    // The same bytes pasted (no file name) are the same image.
    AnalysisRequest pasted = request("resnet18", {}, fastOptions());
    pasted.imageBytes = bytes;
    const JobOutcome third = runOne(service, engine.makeWork(pasted));
    ASSERT_EQ(third.state, JobState::Succeeded) << third.error.toStdString();
    EXPECT_EQ(third.result, first.result);
    EXPECT_EQ(cache->counters().hits, 2);

    // A changed option misses and is computed with the model already loaded.
    const JobOutcome other = runOne(service, engine.makeWork(request("resnet18", samplePath(), fastOptions(1))));
    ASSERT_EQ(other.state, JobState::Succeeded) << other.error.toStdString();
    EXPECT_NE(other.result, first.result);
    EXPECT_EQ(other.result->cams.size(), 1u);
    EXPECT_EQ(cache->counters().misses, 2);
    EXPECT_EQ(cache->counters().hits, 2);
    EXPECT_EQ(engine.modelLoads(), 1);
    EXPECT_EQ(engine.loadedModels(), 1);
}

// Switching the CAM layer of the photo on screen misses the cache (other options) but neither decodes the image
// again nor runs the network's forward pass again: the analyzer runs only the head from the new layer.
TEST_F(AnalysisEngineTest, AnotherCamLayerOfThePhotoOnScreenIsNotDecodedOrForwardedAgain)
{
    AnalysisEngine engine(std::make_shared<ResultCache>());
    AnalysisOptions options = fastOptions();
    auto first = engine.run(request("resnet18", samplePath(), options));
    ASSERT_TRUE(first) << first.message();
    EXPECT_EQ(engine.imageDecodes(), 1);
    EXPECT_EQ(first->result->timingsMs.count("forward reused"), 0u);

    options.camLayer = "layer3.1";
    auto second = engine.run(request("resnet18", samplePath(), options));
    ASSERT_TRUE(second) << second.message();
    EXPECT_FALSE(second->cached);
    EXPECT_EQ(engine.imageDecodes(), 1) << "the photo on screen was decoded again";
    EXPECT_EQ(second->result->timingsMs.count("forward reused"), 1u) << "the whole network ran again";
    ASSERT_EQ(second->result->cams.size(), 2u);
    EXPECT_EQ(second->result->cams[0].gridWidth, 14) << "layer3.1's map is 14×14";

    // Its result is a fresh engine's, which decodes and runs everything.
    AnalysisEngine fresh(nullptr);
    auto expected = fresh.run(request("resnet18", samplePath(), options));
    ASSERT_TRUE(expected) << expected.message();
    EXPECT_EQ(fresh.imageDecodes(), 1);
    EXPECT_EQ(expected->result->timingsMs.count("forward reused"), 0u);
    ASSERT_EQ(expected->result->cams.size(), second->result->cams.size());
    for (size_t i = 0; i < expected->result->cams.size(); ++i) {
        EXPECT_EQ(second->result->cams[i].classIndex, expected->result->cams[i].classIndex);
        EXPECT_EQ(second->result->cams[i].grid, expected->result->cams[i].grid) << "class " << i;
    }

    // Another photo is decoded; the first one again too (only the last one is kept).
    const QString other = QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/coffee.jpg");
    ASSERT_TRUE(engine.run(request("resnet18", other, options)));
    EXPECT_EQ(engine.imageDecodes(), 2);
    options.camLayer.clear();
    options.topK = 1;
    ASSERT_TRUE(engine.run(request("resnet18", samplePath(), options)));
    EXPECT_EQ(engine.imageDecodes(), 3);
}

TEST_F(AnalysisEngineTest, DiskCacheServesANewEngineWithoutLoadingTheModel)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ResultCacheConfig config;
    config.diskDirectory = dir.path();
    const AnalysisRequest req = request("resnet18", samplePath(), fastOptions());
    ResultPtr computed;
    {
        AnalysisEngine engine(std::make_shared<ResultCache>(config));
        auto run = engine.run(req);
        ASSERT_TRUE(run) << run.message();
        EXPECT_FALSE(run->cached);
        computed = run->result;
    }
    auto cache = std::make_shared<ResultCache>(config);  // as after a restart
    AnalysisEngine engine(cache);
    std::vector<std::string> stages;
    auto run = engine.run(req, nullptr, [&](double, const std::string& stage) { stages.push_back(stage); });
    ASSERT_TRUE(run) << run.message();
    EXPECT_TRUE(run->cached);
    EXPECT_EQ(cache->counters().diskHits, 1);
    EXPECT_EQ(engine.modelLoads(), 0);
    EXPECT_EQ(stages, (std::vector<std::string>{"reading image", "cached"}));
    ASSERT_EQ(run->result->cams.size(), computed->cams.size());
    EXPECT_EQ(run->result->cams[0].grid, computed->cams[0].grid);
    EXPECT_EQ(run->result->imageSha256, computed->imageSha256);
}

TEST_F(AnalysisEngineTest, CorruptOrMissingImageFailsOnlyItsOwnJob)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString broken = dir.filePath(QStringLiteral("broken.jpg"));
    {
        QFile file(broken);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("\xff\xd8\xff\xe0 this is not really a jpeg");
    }
    const QString missing = dir.filePath(QStringLiteral("missing.png"));
    AnalysisRequest pasted = request("resnet18", {}, fastOptions());
    pasted.imageBytes = QByteArray("GIF89a and then nothing");

    auto cache = std::make_shared<ResultCache>();
    AnalysisEngine engine(cache);
    JobService service;
    const auto outcomes =
        runAll(service, {engine.makeWork(request("resnet18", samplePath(), fastOptions())),
                         engine.makeWork(request("resnet18", broken, fastOptions())),
                         engine.makeWork(request("resnet18", missing, fastOptions())), engine.makeWork(pasted),
                         engine.makeWork(request("resnet18", samplePath(), fastOptions(1)))});
    ASSERT_EQ(outcomes.size(), 5u);
    EXPECT_EQ(outcomes[0].state, JobState::Succeeded) << outcomes[0].error.toStdString();
    EXPECT_EQ(outcomes[4].state, JobState::Succeeded) << outcomes[4].error.toStdString();
    EXPECT_EQ(outcomes[1].state, JobState::Failed);
    EXPECT_TRUE(outcomes[1].error.startsWith(broken + QStringLiteral(": "))) << outcomes[1].error.toStdString();
    EXPECT_EQ(outcomes[2].state, JobState::Failed);
    EXPECT_TRUE(outcomes[2].error.startsWith(missing + QStringLiteral(": no such file")))
        << outcomes[2].error.toStdString();
    for (int failed : {1, 2, 3})
        EXPECT_EQ(outcomes[failed].errorKind, ErrorKind::BadInput) << outcomes[failed].error.toStdString();
    EXPECT_EQ(outcomes[3].state, JobState::Failed);
    EXPECT_TRUE(outcomes[3].error.startsWith(QStringLiteral("pasted image: "))) << outcomes[3].error.toStdString();
    EXPECT_EQ(cache->counters().stores, 2);  // failures store nothing
}

TEST_F(AnalysisEngineTest, MissingWeightsAndUnknownMethodNameTheImageAndTheProblem)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    AnalysisEngine engine(std::make_shared<ResultCache>());
    AnalysisRequest noWeights = request("resnet18", samplePath(), fastOptions());
    noWeights.weightsPath = dir.filePath(QStringLiteral("gone-0000.pth"));
    auto run = engine.run(noWeights);
    ASSERT_FALSE(run);
    EXPECT_EQ(run.message().rfind(samplePath().toStdString() + ": ", 0), 0u) << run.message();
    EXPECT_NE(run.message().find("gone-0000.pth"), std::string::npos) << run.message();
    EXPECT_EQ(run.kind(), ErrorKind::Weights) << "the checkpoint is what failed, not the image";

    AnalysisOptions options = fastOptions();
    options.methods = {"gradkam"};
    run = engine.run(request("resnet18", samplePath(), options));
    ASSERT_FALSE(run);
    EXPECT_NE(run.message().find("gradkam"), std::string::npos) << run.message();
    EXPECT_EQ(run.kind(), ErrorKind::BadInput) << "the model itself is fine: the request asked for the unknown";
}

TEST_F(AnalysisEngineTest, CancelDuringScoreCamEndsCancelledAndStoresNothing)
{
    auto cache = std::make_shared<ResultCache>();
    AnalysisEngine engine(cache);
    JobService service;
    AnalysisOptions options = fastOptions(1);
    options.methods = {"scorecam"};
    QSignalSpy finished(&service, &JobService::jobFinished);
    bool inScoreCam = false;
    QObject::connect(&service, &JobService::jobProgress, &service, [&](quint64, double, const QString& stage) {
        inScoreCam |= stage == QStringLiteral("cam scorecam");
    });
    const JobId id =
        service.submitInteractive(QStringLiteral("main"), engine.makeWork(request("resnet18", samplePath(), options)));
    ASSERT_TRUE(QTest::qWaitFor([&] { return inScoreCam || finished.count() > 0; }, kTimeoutMs));
    ASSERT_TRUE(inScoreCam) << "the job finished before Score-CAM was seen";
    EXPECT_TRUE(service.cancel(id));
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() == 1; }, kTimeoutMs));
    EXPECT_EQ(finished.first().at(1).value<JobOutcome>().state, JobState::Cancelled);
    EXPECT_EQ(service.state(id), JobState::Cancelled);
    EXPECT_EQ(cache->counters().stores, 0);
    EXPECT_EQ(cache->size(), 0);

    // The engine is fine afterwards: the next request runs to the end.
    const JobOutcome next = runOne(service, engine.makeWork(request("resnet18", samplePath(), fastOptions(1))));
    EXPECT_EQ(next.state, JobState::Succeeded) << next.error.toStdString();
}

TEST_F(AnalysisEngineTest, ModelPoolIsBoundedByParameterMemory)
{
    AnalysisOptions options;  // feature maps only: the quickest analysis
    options.topK = 1;
    options.tilesPerLayer = 1;
    const auto resnet = request("resnet18", samplePath(), options);
    const auto mobilenet = request("mobilenet_v3_small", samplePath(), options);

    auto resnetAnalyzer = Analyzer::create(resnet.spec, resnet.weightsPath);
    auto mobilenetAnalyzer = Analyzer::create(mobilenet.spec, mobilenet.weightsPath);
    ASSERT_TRUE(resnetAnalyzer && mobilenetAnalyzer);
    const std::size_t resnetBytes = resnetAnalyzer->parameterBytes();
    const std::size_t mobilenetBytes = mobilenetAnalyzer->parameterBytes();

    // Room for both: the second resnet18 request reuses the loaded model.
    AnalysisEngine roomy(nullptr, resnetBytes + mobilenetBytes);
    for (const auto* req : {&resnet, &mobilenet, &resnet})
        ASSERT_TRUE(roomy.run(*req)) << req->spec.id;
    EXPECT_EQ(roomy.modelLoads(), 2);
    EXPECT_EQ(roomy.loadedModels(), 2);
    EXPECT_EQ(roomy.loadedModelBytes(), resnetBytes + mobilenetBytes);

    // One byte short: loading mobilenet evicts resnet18, which is then loaded again, evicting mobilenet.
    AnalysisEngine tight(nullptr, resnetBytes + mobilenetBytes - 1);
    for (const auto* req : {&resnet, &mobilenet, &resnet})
        ASSERT_TRUE(tight.run(*req)) << req->spec.id;
    EXPECT_EQ(tight.modelLoads(), 3);
    EXPECT_EQ(tight.loadedModels(), 1);
    EXPECT_EQ(tight.loadedModelBytes(), resnetBytes);
}

TEST_F(AnalysisEngineTest, ParameterBytesCountParametersAndBuffers)
{
    for (const std::string id : {"resnet18", "mobilenet_v3_small"}) {
        auto fixture = test::readModelFixture(id);
        ASSERT_TRUE(fixture) << fixture.message();
        // torchvision's state_dict holds every parameter and buffer: float32, num_batches_tracked int64.
        std::size_t expected = 0;
        for (const auto& [key, shape] : fixture->stateDict) {
            std::size_t numel = 1;
            for (int64_t d : shape)
                numel *= static_cast<std::size_t>(d);
            const bool counter = key.size() >= 19 && key.compare(key.size() - 19, 19, "num_batches_tracked") == 0;
            expected += numel * (counter ? 8 : 4);
        }
        auto analyzer = Analyzer::create(spec(id), weights(id));
        ASSERT_TRUE(analyzer) << analyzer.message();
        EXPECT_EQ(analyzer->parameterBytes(), expected) << id;
    }
}
