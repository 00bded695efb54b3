// AnalysisSession without any widget and without running a network: a stand-in backend records every request
// and answers with a small synthetic result (or an error, or waits on a gate), so the request policy itself is
// what is tested — latest wins in the main view, compare cells fill in one by one, class and method changes use
// what is shown or ask for what is missing, errors keep what is shown, weights are resolved once.
#include "core/jobs/jobcontext.h"
#include "core/jobs/jobservice.h"
#include "core/session/analysissession.h"
#include "core/session/batchsession.h"
#include "core/weights/weightdownloader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace convlens {
namespace {

constexpr int kWaitMs = 10'000;

// Records requests; each work waits while the gate is closed, then answers. An image whose file name contains
// "broken" fails as bad input.
class StandInBackend : public AnalysisBackend {
public:
    JobWork makeWork(AnalysisRequest request) const override
    {
        {
            const std::lock_guard<std::mutex> lock(mMutex);
            mRequests.push_back(request);
        }
        return [gate = mGate, hold = mHold, request](JobContext& context) -> Expected<ResultPtr> {
            while (!gate->load() && !context.isCancelled())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            if (context.isCancelled())
                return makeError(ErrorKind::Cancelled, "cancelled");
            // As the engine does when its result cache answers (core/jobs/analysisrequest.h).
            if (request.imagePath.contains(QStringLiteral("cached")))
                context.setProgress(1.0, "cached");
            if (request.imagePath.contains(QStringLiteral("broken")))
                return makeError(ErrorKind::BadInput, request.imagePath.toStdString() + ": not an image");
            auto result = std::make_shared<AnalysisResult>();
            result->imageSha256 = request.imagePath.toStdString();
            result->modelId = request.spec.id;
            result->weights = request.weightsPath.toStdString();
            result->input = QImage(8, 8, QImage::Format_RGB888);
            for (int index : {3, 1, 4})
                result->prediction.top.push_back({index, "class " + std::to_string(index), 0.1f * index});
            std::vector<int> explained;
            for (const ClassScore& score : result->prediction.top)
                explained.push_back(score.index);
            explained.insert(explained.end(), request.options.camClasses.begin(), request.options.camClasses.end());
            for (const std::string& method : request.options.methods)
                for (int index : explained) {
                    CamResult cam;
                    cam.method = method;
                    cam.classIndex = index;
                    cam.gridHeight = cam.gridWidth = cam.heatmapSize = 1;
                    cam.grid = cam.heatmap = {0.5f};
                    result->cams.push_back(cam);
                }
            const std::vector<std::string>& taps =
                request.options.taps.empty() ? request.spec.taps : request.options.taps;
            for (const std::string& tap : taps) {
                LayerResult layer;
                layer.name = tap;
                layer.shape = {2, 1, 2};
                if (request.options.keepActivations)
                    layer.activations = {1.0f, 2.0f, 3.0f, 4.0f};
                result->layers.push_back(layer);
            }
            // "progressive" images come as the engine delivers them: after each method but the last a result so
            // far, then (once the hold is lifted) the complete one.
            if (request.imagePath.contains(QStringLiteral("progressive"))) {
                const size_t perMethod = explained.size();
                for (size_t m = 1; m <= request.options.methods.size(); ++m) {
                    auto soFar = std::make_shared<AnalysisResult>(*result);
                    soFar->cams.resize(m * perMethod);
                    context.deliverPartial(std::move(soFar));
                }
                while (!hold->load() && !context.isCancelled())
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                if (context.isCancelled())
                    return makeError(ErrorKind::Cancelled, "cancelled");
            }
            return ResultPtr(std::move(result));
        };
    }

    Expected<NetworkDescription> describe(const ModelSpec& spec, const std::vector<CategorySpec>&) const override
    {
        NetworkDescription description;
        description.modelId = spec.id;
        return description;
    }

    void setThreads(int count) const override { mThreads = count; }
    // A machine with the CPU and one accelerator, "fake:0".
    Expected<std::string> setDevice(const std::string& name) const override
    {
        if (name != "cpu" && name != "fake:0")
            return makeError(ErrorKind::BadInput, "device '" + name + "' is not available");
        const std::lock_guard<std::mutex> lock(mMutex);
        mDevice = name;
        return name;
    }
    std::vector<std::string> devices() const override { return {"cpu", "fake:0"}; }
    std::string device() const
    {
        const std::lock_guard<std::mutex> lock(mMutex);
        return mDevice;
    }

    std::vector<AnalysisRequest> requests() const
    {
        const std::lock_guard<std::mutex> lock(mMutex);
        return mRequests;
    }
    void setGateOpen(bool open) { mGate->store(open); }
    void setHoldOpen(bool open) { mHold->store(open); }  // progressive images wait on it after their partials
    int threads() const { return mThreads; }

private:
    mutable std::mutex mMutex;
    mutable std::vector<AnalysisRequest> mRequests;
    std::shared_ptr<std::atomic<bool>> mGate = std::make_shared<std::atomic<bool>>(true);
    std::shared_ptr<std::atomic<bool>> mHold = std::make_shared<std::atomic<bool>>(true);
    mutable std::atomic<int> mThreads{-1};
    mutable std::string mDevice = "none";
};

class SessionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(mDir.isValid());
        QSettings().clear();
        // Weights for resnet18 and mobilenet_v3_small only (never read: the backend is a stand-in); no user
        // registry, no torch caches from the home folder.
        mSaved = {qgetenv("CONVLENS_WEIGHTS_DIR"), qgetenv("XDG_CONFIG_HOME"), qgetenv("XDG_CACHE_HOME"),
                  qgetenv("TORCH_HOME")};
        qputenv("CONVLENS_WEIGHTS_DIR", weightsDir().toLocal8Bit());
        qputenv("XDG_CONFIG_HOME", (mDir.path() + QStringLiteral("/config")).toLocal8Bit());
        qputenv("XDG_CACHE_HOME", (mDir.path() + QStringLiteral("/cache")).toLocal8Bit());
        qputenv("TORCH_HOME", (mDir.path() + QStringLiteral("/torch")).toLocal8Bit());
        ASSERT_TRUE(QDir().mkpath(weightsDir()));
        touch(weightsDir() + QStringLiteral("/resnet18-f37072fd.pth"));
        touch(weightsDir() + QStringLiteral("/mobilenet_v3_small-047dcff4.pth"));
        mPhotoA = photo(QStringLiteral("a.png"));
        mPhotoB = photo(QStringLiteral("b.png"));

        SessionOptions options;
        options.openSampleOnFirstStart = false;
        mBackend = std::make_shared<StandInBackend>();
        mSession = std::make_unique<AnalysisSession>(mBackend, AppSettings{}, options);
        auto loaded = mSession->loadRegistryNow();
        ASSERT_TRUE(loaded.ok()) << loaded.message();
        mSession->setModel(QStringLiteral("resnet18"));
    }

    void TearDown() override
    {
        mSession.reset();
        const char* names[] = {"CONVLENS_WEIGHTS_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "TORCH_HOME"};
        for (int i = 0; i < 4; ++i)
            mSaved[i].isEmpty() ? qunsetenv(names[i]) : qputenv(names[i], mSaved[i]);
    }

    QString weightsDir() const { return mDir.path() + QStringLiteral("/weights"); }
    void touch(const QString& path)
    {
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("stand-in");
    }
    QString photo(const QString& name)
    {
        QImage image(16, 12, QImage::Format_RGB888);
        image.fill(Qt::darkGreen);
        const QString path = mDir.path() + QLatin1Char('/') + name;
        EXPECT_TRUE(image.save(path));
        return path;
    }
    bool waitIdle()
    {
        return QTest::qWaitFor([this] { return !mSession->isBusy(); }, kWaitMs);
    }

    QTemporaryDir mDir;
    std::vector<QByteArray> mSaved;
    QString mPhotoA, mPhotoB;
    std::shared_ptr<StandInBackend> mBackend;
    std::unique_ptr<AnalysisSession> mSession;
};

TEST_F(SessionTest, TheLatestRequestWinsInTheMainView)
{
    QSignalSpy results(mSession.get(), &AnalysisSession::resultChanged);
    QSignalSpy failures(mSession.get(), &AnalysisSession::analysisFailed);
    mBackend->setGateOpen(false);
    mSession->openImage(mPhotoA);
    mSession->openImage(mPhotoB);
    mSession->setMethod(QStringLiteral("scorecam"));
    mBackend->setGateOpen(true);
    ASSERT_TRUE(waitIdle());
    QTest::qWait(20);  // anything announced late would show now

    ASSERT_EQ(mBackend->requests().size(), 3u);
    ASSERT_EQ(results.count(), 1) << "a superseded request's result was shown";
    EXPECT_TRUE(failures.isEmpty());
    const ResultPtr shown = mSession->result();
    EXPECT_EQ(shown->imageSha256, mPhotoB.toStdString());
    EXPECT_EQ(shown->cams.front().method, "scorecam");
    EXPECT_EQ(mSession->classIndex(), 3) << "the top class is chosen for a new image";
}

TEST_F(SessionTest, RequestsCarryTheSettingsAndTheResolvedWeights)
{
    AppSettings settings = mSession->settings();
    settings.topK = 7;
    settings.tilesPerLayer = 4;
    mSession->setSettings(settings);
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const AnalysisRequest request = mBackend->requests().back();
    EXPECT_EQ(request.imagePath, mPhotoA);
    EXPECT_EQ(request.spec.id, "resnet18");
    EXPECT_EQ(request.weightsPath, weightsDir() + QStringLiteral("/resnet18-f37072fd.pth"));
    EXPECT_EQ(request.options.topK, 7);
    EXPECT_EQ(request.options.tilesPerLayer, 4);
    EXPECT_EQ(request.options.methods, std::vector<std::string>{"gradcam"});
    EXPECT_TRUE(request.options.taps.empty()) << "the registry's taps unless the user opened another layer";
}

TEST_F(SessionTest, RequestsCarryTheMethodOptionsOfTheSettingsWhichPersist)
{
    AppSettings settings = mSession->settings();
    settings.methodOptions.augSmooth = true;
    settings.methodOptions.integratedGradientsSteps = 12;
    settings.methodOptions.integratedGradientsBaseline = "blurred";
    settings.methodOptions.occlusionWindow = 40;
    settings.methodOptions.road = true;
    mSession->setSettings(settings);
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const MethodOptions sent = mBackend->requests().back().options.methodOptions;  // a copy: requests() is one
    EXPECT_TRUE(sent.augSmooth);
    EXPECT_FALSE(sent.eigenSmooth);
    EXPECT_EQ(sent.integratedGradientsSteps, 12);
    EXPECT_EQ(sent.integratedGradientsBaseline, "blurred");
    EXPECT_EQ(sent.occlusionWindow, 40);
    EXPECT_EQ(sent.occlusionStride, MethodOptions().occlusionStride);
    EXPECT_TRUE(sent.road);
    const MethodOptions loaded = AppSettings::load().methodOptions;
    EXPECT_TRUE(loaded.augSmooth && loaded.road);
    EXPECT_EQ(loaded.integratedGradientsSteps, 12);
    EXPECT_EQ(loaded.integratedGradientsBaseline, "blurred");
    EXPECT_EQ(loaded.occlusionWindow, 40);
    // A hand-edited file out of range falls back to the defaults.
    QSettings().setValue(QStringLiteral("methods/integratedGradientsSteps"), 1);
    QSettings().setValue(QStringLiteral("methods/integratedGradientsBaseline"), QStringLiteral("white"));
    EXPECT_EQ(AppSettings::load().methodOptions.integratedGradientsSteps, MethodOptions().integratedGradientsSteps);
    EXPECT_EQ(AppSettings::load().methodOptions.integratedGradientsBaseline,
              MethodOptions().integratedGradientsBaseline);
}

TEST_F(SessionTest, ExportedArraysHoldTheShownMapsAndTheLayersWholeOutputs)
{
    QSignalSpy failed(mSession.get(), &AnalysisSession::arraysExportFailed);
    mSession->exportArrays(mDir.path() + QStringLiteral("/none"));
    ASSERT_EQ(failed.count(), 1) << "nothing shown: nothing to export, and it says so";
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const ResultPtr shown = mSession->result();
    ASSERT_TRUE(shown && !shown->layers.empty());
    const size_t before = mBackend->requests().size();
    QSignalSpy exported(mSession.get(), &AnalysisSession::arraysExported);
    const QString folder = mDir.path() + QStringLiteral("/arrays");
    mSession->exportArrays(folder);
    ASSERT_TRUE(QTest::qWaitFor([&] { return exported.count() == 1 || failed.count() > 1; }, kWaitMs));
    ASSERT_EQ(failed.count(), 1) << failed.last().at(0).toString().toStdString();
    ASSERT_EQ(exported.count(), 1);
    // One more request: the same image and layers, keeping their outputs, computing no maps.
    ASSERT_EQ(mBackend->requests().size(), before + 1);
    const AnalysisRequest request = mBackend->requests().back();
    EXPECT_EQ(request.imagePath, mPhotoA);
    EXPECT_TRUE(request.options.keepActivations);
    EXPECT_TRUE(request.options.methods.empty());
    EXPECT_FALSE(request.options.faithfulness);
    ASSERT_EQ(request.options.taps.size(), shown->layers.size());
    const QStringList files = exported.at(0).at(1).toStringList();
    EXPECT_EQ(exported.at(0).at(0).toString(), folder);
    const QString layerFile = QStringLiteral("layer_%1_activations.npy")
                                  .arg(QString::fromStdString(shown->layers.front().name).replace(QLatin1Char('.'),
                                                                                                   QLatin1Char('_')));
    EXPECT_TRUE(files.contains(layerFile)) << files.join(QLatin1Char(' ')).toStdString();
    EXPECT_TRUE(QFileInfo(folder + QLatin1Char('/') + layerFile).size() > 0);
    const CamResult& cam = shown->cams.front();
    EXPECT_TRUE(files.contains(QStringLiteral("cam_%1_%2.npy").arg(QString::fromStdString(cam.method)).arg(cam.classIndex)));
    EXPECT_EQ(mSession->result(), shown) << "the shown result stays";
}

TEST_F(SessionTest, ClassAndMethodChangesUseWhatIsShownOrAskForWhatIsMissing)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const size_t before = mBackend->requests().size();
    QSignalSpy classes(mSession.get(), &AnalysisSession::classChanged);
    mSession->selectClass(1);
    EXPECT_EQ(mSession->classIndex(), 1);
    EXPECT_EQ(classes.count(), 1);
    EXPECT_EQ(mBackend->requests().size(), before) << "the shown result already explains class 1";

    QSignalSpy methods(mSession.get(), &AnalysisSession::methodChanged);
    mSession->setMethod(QStringLiteral("layercam"));
    ASSERT_EQ(methods.count(), 1);
    ASSERT_TRUE(waitIdle());
    ASSERT_EQ(mBackend->requests().size(), before + 1);
    EXPECT_EQ(mBackend->requests().back().options.methods, std::vector<std::string>{"layercam"});
    EXPECT_EQ(mSession->classIndex(), 1) << "the class survives a new result that explains it";
    EXPECT_NE(mSession->result()->findCam(QStringLiteral("layercam"), 1), nullptr);

    mSession->setMethod(QStringLiteral("no-such-method"));
    EXPECT_EQ(mSession->method(), QStringLiteral("layercam"));
    EXPECT_EQ(mBackend->requests().size(), before + 1);
}

TEST_F(SessionTest, ALayerNotSummarisedIsAddedToTheTapsInForwardOrder)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    QSignalSpy layers(mSession.get(), &AnalysisSession::layerChanged);
    const size_t before = mBackend->requests().size();
    mSession->selectLayer(QStringLiteral("layer1.1"));  // a registry tap: already summarised
    EXPECT_EQ(layers.count(), 1);
    EXPECT_EQ(mBackend->requests().size(), before);

    mSession->selectLayer(QStringLiteral("conv1"));
    ASSERT_TRUE(waitIdle());
    ASSERT_EQ(mBackend->requests().size(), before + 1);
    const std::vector<std::string> taps = mBackend->requests().back().options.taps;
    ASSERT_FALSE(taps.empty());
    EXPECT_EQ(taps.front(), "conv1") << "conv1 comes before every registry tap";
    const ModelSpec* spec = mSession->spec(QStringLiteral("resnet18"));
    EXPECT_EQ(taps.size(), spec->taps.size() + 1);
    EXPECT_EQ(mSession->layer(), QStringLiteral("conv1"));
}

TEST_F(SessionTest, CompareCellsFillInOneByOneWithTheSameClass)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    mSession->selectClass(4);
    QSignalSpy started(mSession.get(), &AnalysisSession::compareStarted);
    QSignalSpy cells(mSession.get(), &AnalysisSession::compareCellFinished);
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small"),
                                QStringLiteral("not-a-model")});
    EXPECT_TRUE(mSession->compareActive());
    EXPECT_EQ(mSession->compareModels(),
              (QStringList{QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")}));
    ASSERT_EQ(started.count(), 1);
    ASSERT_TRUE(QTest::qWaitFor([&] { return cells.count() == 2; }, kWaitMs));
    QStringList finished;
    for (const QList<QVariant>& cell : cells) {
        const QString model = cell.at(0).toString();
        const ResultPtr result = cell.at(1).value<ResultPtr>();
        ASSERT_NE(result, nullptr) << model.toStdString() << ": " << cell.at(2).toString().toStdString();
        EXPECT_EQ(result->modelId, model.toStdString());
        finished << model;
    }
    EXPECT_TRUE(finished.contains(QStringLiteral("mobilenet_v3_small")));
    for (const AnalysisRequest& request : mBackend->requests()) {
        if (request.options.tilesPerLayer != 1)
            continue;  // the main view's
        EXPECT_GE(request.options.topK, 3);
        EXPECT_EQ(request.options.camClasses, std::vector<int>{4}) << "every model explains the shown class";
    }

    mSession->setCompareModels({QStringLiteral("resnet18")});
    EXPECT_FALSE(mSession->compareActive());
}

TEST_F(SessionTest, ACellWithoutWeightsSaysSoAndTheOthersStillRun)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    QSignalSpy cells(mSession.get(), &AnalysisSession::compareCellFinished);
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("densenet121")});
    ASSERT_TRUE(QTest::qWaitFor([&] { return cells.count() == 2; }, kWaitMs));
    for (const QList<QVariant>& cell : cells) {
        if (cell.at(0).toString() == QStringLiteral("densenet121")) {
            EXPECT_EQ(cell.at(1).value<ResultPtr>(), nullptr);
            EXPECT_TRUE(cell.at(2).toString().contains(QStringLiteral("densenet121-a639ec97.pth")))
                << cell.at(2).toString().toStdString();
        } else {
            EXPECT_NE(cell.at(1).value<ResultPtr>(), nullptr);
        }
    }
    // The session keeps each cell's result for what is written of the compare view (exportReport).
    EXPECT_EQ(mSession->compareResult(QStringLiteral("densenet121")), nullptr);
    ASSERT_NE(mSession->compareResult(QStringLiteral("resnet18")), nullptr);
    EXPECT_EQ(mSession->compareResult(QStringLiteral("resnet18"))->modelId, "resnet18");
    EXPECT_EQ(mSession->compareResult(QStringLiteral("resnet50")), nullptr) << "not in the compare set";
}

TEST_F(SessionTest, ReportsOfWhatIsShownAreNamedAndWrittenAsChosen)
{
    ReportExport card;
    const QString cardPath = mDir.path() + QStringLiteral("/card.png");
    const Expected<void> nothing = mSession->exportReport(cardPath, card, ReportLook{});
    ASSERT_FALSE(nothing.ok()) << "nothing shown: nothing to write";
    EXPECT_EQ(nothing.error().kind, ErrorKind::BadInput);
    EXPECT_FALSE(QFileInfo::exists(cardPath));

    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    ASSERT_NE(mSession->result(), nullptr);
    EXPECT_EQ(mSession->reportFileName(card), QStringLiteral("a-resnet18-report.png"));
    ReportExport grid;
    grid.page = ReportExport::Page::MethodsGrid;
    grid.pdf = true;
    EXPECT_EQ(mSession->reportFileName(grid), QStringLiteral("a-resnet18-methods.pdf"));
    ReportExport compare;
    compare.page = ReportExport::Page::Compare;
    EXPECT_EQ(mSession->reportFileName(compare), QStringLiteral("a-compare.png"));

    // The card, drawn with the window's look: a banner makes it taller than the same card without one.
    const Expected<void> written = mSession->exportReport(cardPath, card, ReportLook{});
    ASSERT_TRUE(written.ok()) << written.message();
    const QImage plain(cardPath);
    ASSERT_FALSE(plain.isNull());
    ReportLook bannered;
    bannered.banner = QStringLiteral("Untrained weights");
    ASSERT_TRUE(mSession->exportReport(cardPath, card, bannered).ok());
    EXPECT_NE(QImage(cardPath), plain) << "the look was not used";

    // A full page as PDF.
    ReportExport page;
    page.page = ReportExport::Page::FullPage;
    page.pdf = true;
    const QString pdfPath = mDir.path() + QStringLiteral("/page.pdf");
    ASSERT_TRUE(mSession->exportReport(pdfPath, page, ReportLook{}).ok());
    QFile pdf(pdfPath);
    ASSERT_TRUE(pdf.open(QIODevice::ReadOnly));
    EXPECT_TRUE(pdf.read(5).startsWith("%PDF")) << "not a PDF";

    // A folder that does not exist: the error names the file.
    const QString nowhere = mDir.path() + QStringLiteral("/no/such/folder/card.png");
    const Expected<void> failed = mSession->exportReport(nowhere, card, ReportLook{});
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.message().find(nowhere.toStdString()), std::string::npos) << failed.message();

    // The compare page: no models compared yet, then the cells as they finished.
    ASSERT_FALSE(mSession->exportReport(mDir.path() + QStringLiteral("/c.png"), compare, ReportLook{}).ok());
    QSignalSpy cells(mSession.get(), &AnalysisSession::compareCellFinished);
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")});
    ASSERT_TRUE(QTest::qWaitFor([&] { return cells.count() == 2; }, kWaitMs));
    const QString comparePath = mDir.path() + QStringLiteral("/compare.png");
    const Expected<void> compared = mSession->exportReport(comparePath, compare, ReportLook{});
    ASSERT_TRUE(compared.ok()) << compared.message();
    EXPECT_FALSE(QImage(comparePath).isNull());
}

TEST_F(SessionTest, AFailureKeepsWhatIsShown)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const ResultPtr shown = mSession->result();
    ASSERT_NE(shown, nullptr);
    QSignalSpy failures(mSession.get(), &AnalysisSession::analysisFailed);
    QSignalSpy results(mSession.get(), &AnalysisSession::resultChanged);
    mSession->openImage(photo(QStringLiteral("broken.png")));
    ASSERT_TRUE(QTest::qWaitFor([&] { return failures.count() == 1; }, kWaitMs));
    EXPECT_EQ(failures.first().at(0).value<ErrorKind>(), ErrorKind::BadInput);
    EXPECT_TRUE(failures.first().at(1).toString().contains(QStringLiteral("broken.png")));
    EXPECT_EQ(results.count(), 0);
    EXPECT_EQ(mSession->result(), shown);
}

TEST_F(SessionTest, MissingWeightsRunNothingUntilUntrainedIsChosen)
{
    QSignalSpy missing(mSession.get(), &AnalysisSession::weightsMissing);
    mSession->setModel(QStringLiteral("densenet121"));
    mSession->openImage(mPhotoA);
    ASSERT_GE(missing.count(), 1);
    EXPECT_EQ(missing.last().at(0).toString(), QStringLiteral("densenet121"));
    EXPECT_TRUE(missing.last().at(1).toString().contains(weightsDir())) << "the message says where it looked";
    EXPECT_TRUE(mBackend->requests().empty() ||
                std::none_of(mBackend->requests().begin(), mBackend->requests().end(),
                             [](const AnalysisRequest& r) { return r.spec.id == "densenet121"; }));

    mSession->editableSettings()->untrainedAllowed << QStringLiteral("densenet121");
    mSession->settingsEdited(QStringLiteral("densenet121"));
    ASSERT_TRUE(waitIdle());
    ASSERT_FALSE(mBackend->requests().empty());
    EXPECT_EQ(mBackend->requests().back().spec.id, "densenet121");
    EXPECT_TRUE(mBackend->requests().back().weightsPath.isEmpty());
    ASSERT_NE(mSession->result(), nullptr);
    EXPECT_TRUE(mSession->result()->weights.empty());
    EXPECT_TRUE(AppSettings::load().untrainedAllowed.contains(QStringLiteral("densenet121")))
        << "the choice is saved";
}

TEST_F(SessionTest, SettingsApplyThreadsAndMirrorWithoutTouchingTheEnvironment)
{
    const QByteArray environment = qgetenv("CONVLENS_WEIGHTS_DIR");
    AppSettings settings = mSession->settings();
    settings.threads = 3;
    settings.mirror = QStringLiteral(" https://mirror.example.org/models ");
    settings.weightsDir = mDir.path();
    mSession->setSettings(settings);
    EXPECT_EQ(mBackend->threads(), 3);
    EXPECT_EQ(WeightDownloader::mirror(), QStringLiteral("https://mirror.example.org/models"));
    EXPECT_EQ(qgetenv("CONVLENS_WEIGHTS_DIR"), environment);
    EXPECT_EQ(AppSettings::load().threads, 3);
    settings.mirror.clear();
    mSession->setSettings(settings);
    EXPECT_EQ(WeightDownloader::mirror(), QString());
}

TEST_F(SessionTest, ACacheThatCannotBeWrittenIsSaidOnceAsAWarning)
{
    QFile blocker(mDir.filePath(QStringLiteral("blocker")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    ResultCacheConfig config;
    config.diskDirectory = mDir.filePath(QStringLiteral("blocker/results"));
    QSignalSpy warnings(mSession.get(), &AnalysisSession::warning);
    QSignalSpy problems(mSession.get(), &AnalysisSession::problem);
    mSession->setBatchBackend(nullptr, std::make_shared<ResultCache>(config));
    ASSERT_TRUE(warnings.wait(2000));
    mSession->openPaths({mPhotoA});
    ASSERT_TRUE(waitIdle());
    mSession->openPaths({mPhotoB});
    ASSERT_TRUE(waitIdle());
    ASSERT_EQ(warnings.count(), 1) << "once, not per analysis";
    const QString message = warnings.at(0).first().toString();
    EXPECT_TRUE(message.contains(QStringLiteral("blocker/results")) && message.contains(QStringLiteral("memory only")))
        << message.toStdString();
    EXPECT_EQ(problems.count(), 0) << "a warning, not an error";
    EXPECT_NE(mSession->result(), nullptr) << "the analyses are not affected";
}

TEST_F(SessionTest, TheDeviceSettingIsAppliedAndAnUnavailableOneFallsBackToTheCpuWithAMessage)
{
    EXPECT_EQ(mBackend->device(), "cpu") << "the default setting, applied at construction";
    EXPECT_EQ(mSession->availableDevices(), (QStringList{QStringLiteral("cpu"), QStringLiteral("fake:0")}));
    QSignalSpy problems(mSession.get(), &AnalysisSession::problem);
    AppSettings settings = mSession->settings();
    settings.device = QStringLiteral("fake:0");
    mSession->setSettings(settings);
    EXPECT_EQ(mBackend->device(), "fake:0");
    EXPECT_EQ(AppSettings::load().device, QStringLiteral("fake:0"));

    settings.device = QStringLiteral("cuda:7");
    mSession->setSettings(settings);
    EXPECT_EQ(mBackend->device(), "cpu");
    ASSERT_TRUE(problems.wait(2000));
    ASSERT_EQ(problems.count(), 1);
    const QString message = problems.at(0).first().toString();
    EXPECT_TRUE(message.contains(QStringLiteral("cuda:7"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("CPU"))) << message.toStdString();
    EXPECT_EQ(mSession->settings().device, QStringLiteral("cuda:7")) << "the choice is kept for when it works";
}

TEST_F(SessionTest, FoldersOpenTheirImagesSortedAndProblemsAreNamed)
{
    const QString folder = mDir.path() + QStringLiteral("/folder");
    ASSERT_TRUE(QDir().mkpath(folder));
    for (const QString& name : {QStringLiteral("c.png"), QStringLiteral("a.png"), QStringLiteral("b.png")})
        ASSERT_TRUE(QFile::copy(mPhotoA, folder + QLatin1Char('/') + name));
    touch(folder + QStringLiteral("/notes.txt"));
    QSignalSpy opened(mSession.get(), &AnalysisSession::imagesOpened);
    QSignalSpy thumbnails(mSession.get(), &AnalysisSession::thumbnailsReady);
    QSignalSpy problems(mSession.get(), &AnalysisSession::problem);
    mSession->openPaths({folder, mDir.path() + QStringLiteral("/nowhere.png"), weightsDir()});
    ASSERT_EQ(opened.count(), 1);
    const QStringList images = opened.first().first().toStringList();
    EXPECT_EQ(images, (QStringList{folder + QStringLiteral("/a.png"), folder + QStringLiteral("/b.png"),
                                   folder + QStringLiteral("/c.png")}));
    ASSERT_EQ(problems.count(), 2);
    EXPECT_TRUE(problems.at(0).first().toString().contains(QStringLiteral("nowhere.png")));
    EXPECT_TRUE(problems.at(1).first().toString().contains(QStringLiteral("no image files")));
    EXPECT_EQ(mSession->imagePath(), images.front());
    ASSERT_TRUE(QTest::qWaitFor([&] { return thumbnails.count() == 1; }, kWaitMs));
    const auto thumbs = thumbnails.first().first().value<QList<QImage>>();
    ASSERT_EQ(thumbs.size(), 3);
    EXPECT_EQ(thumbs.front().size(), QSize(48, 36));
    EXPECT_EQ(mSession->settings().recentFiles.value(0), images.front());
}

TEST_F(SessionTest, PastedBytesAreAnalysedUnderTheirName)
{
    QFile file(mPhotoB);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    mSession->openImageBytes(file.readAll(), QStringLiteral("pasted image"));
    ASSERT_TRUE(waitIdle());
    const AnalysisRequest request = mBackend->requests().back();
    EXPECT_FALSE(request.imageBytes.isEmpty());
    EXPECT_EQ(mSession->imageName(), QStringLiteral("pasted image"));
    EXPECT_TRUE(mSession->imagePath().isEmpty());
    EXPECT_NE(mSession->result(), nullptr);
}

TEST_F(SessionTest, UnknownModelsAreNamedWithTheKnownOnes)
{
    auto found = mSession->findModel(QStringLiteral("alexnet"));
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.kind(), ErrorKind::BadInput);
    EXPECT_NE(found.message().find("'alexnet'"), std::string::npos);
    EXPECT_NE(found.message().find("resnet50"), std::string::npos);
}

TEST_F(SessionTest, TheSharedTileScaleIsARedrawNotANewAnalysis)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    const std::size_t requests = mBackend->requests().size();
    const ResultPtr shown = mSession->result();
    QSignalSpy started(mSession.get(), &AnalysisSession::analysisStarted);
    QSignalSpy changed(mSession.get(), &AnalysisSession::sharedTileScaleChanged);
    QSignalSpy submitted(mSession->jobs(), &JobService::jobStateChanged);

    mSession->setSharedTileScale(true);
    mSession->setSharedTileScale(true);  // no change, no signal
    mSession->setSharedTileScale(false);
    QTest::qWait(20);
    EXPECT_EQ(started.count(), 0) << "the toggle started an analysis";
    EXPECT_EQ(submitted.count(), 0) << "the toggle submitted a job";
    EXPECT_EQ(mBackend->requests().size(), requests);
    EXPECT_EQ(mSession->result(), shown);
    ASSERT_EQ(changed.count(), 2);
    EXPECT_TRUE(changed.at(0).at(0).toBool());
    EXPECT_FALSE(changed.at(1).at(0).toBool());

    // Requests never vary with the toggle (so the cache key does not either): every result has both scalings.
    mSession->setSharedTileScale(true);
    mSession->refresh();
    ASSERT_TRUE(waitIdle());
    EXPECT_FALSE(mBackend->requests().back().options.sharedTileScale);
}

TEST_F(SessionTest, AResultFromTheCacheSaysSoWithTheTimeItTook)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    ASSERT_NE(mSession->result(), nullptr);
    EXPECT_FALSE(mSession->resultFromCache());
    EXPECT_GE(mSession->resultWaitMs(), 0);

    mSession->openImage(photo(QStringLiteral("cached.png")));
    ASSERT_TRUE(waitIdle());
    QTest::qWait(20);
    EXPECT_TRUE(mSession->resultFromCache());
    EXPECT_GE(mSession->resultWaitMs(), 0);
    EXPECT_LT(mSession->resultWaitMs(), kWaitMs);

    mSession->openImage(mPhotoB);
    ASSERT_TRUE(waitIdle());
    EXPECT_FALSE(mSession->resultFromCache()) << "the flag outlived its result";
}

TEST_F(SessionTest, ResultsComeProgressivelyAndWhatIsComingIsNotRequestedAgain)
{
    mSession->setMethodsGrid(true);
    QSignalSpy results(mSession.get(), &AnalysisSession::resultChanged);
    mBackend->setHoldOpen(false);
    mSession->openImage(photo(QStringLiteral("progressive.png")));
    ASSERT_TRUE(QTest::qWaitFor([&] { return results.count() >= 1; }, kWaitMs));
    ASSERT_EQ(mBackend->requests().size(), 1u);
    const std::vector<std::string> asked = mBackend->requests().back().options.methods;
    ASSERT_GE(asked.size(), 2u) << "the grid asks for its methods";
    EXPECT_EQ(asked.front(), "gradcam") << "the current method first: its overlay comes first";

    EXPECT_TRUE(mSession->resultPartial());
    EXPECT_GE(mSession->firstResultMs(), 0);
    EXPECT_NE(mSession->result()->findCam(QStringLiteral("gradcam"), 3), nullptr);
    EXPECT_EQ(mSession->classIndex(), 3) << "the top class is chosen from the first partial result";
    EXPECT_TRUE(mSession->isBusy());

    // A method and a class the running analysis will deliver are waited for, not requested again.
    const QString later = QString::fromStdString(asked.back());
    mSession->setMethod(later);
    mSession->selectClass(4);
    EXPECT_EQ(mBackend->requests().size(), 1u) << "a map on its way was requested again";

    mBackend->setHoldOpen(true);
    ASSERT_TRUE(waitIdle());
    QTest::qWait(20);
    EXPECT_FALSE(mSession->resultPartial());
    EXPECT_EQ(results.count(), static_cast<int>(asked.size()) + 1) << "one per method, then the complete one";
    EXPECT_NE(mSession->result()->findCam(later, 4), nullptr);
    EXPECT_EQ(mSession->classIndex(), 4);
    EXPECT_EQ(mBackend->requests().size(), 1u);
}

TEST_F(SessionTest, TheMethodsGridAsksForItsMethodsAndExcludesCompareMode)
{
    mSession->openImage(mPhotoA);
    ASSERT_TRUE(waitIdle());
    ASSERT_EQ(mBackend->requests().size(), 1u);
    EXPECT_EQ(mBackend->requests().back().options.methods, std::vector<std::string>{"gradcam"});

    QSignalSpy grid(mSession.get(), &AnalysisSession::methodsGridChanged);
    mSession->setMethodsGrid(true);
    ASSERT_EQ(grid.count(), 1);
    ASSERT_TRUE(waitIdle());
    ASSERT_EQ(mBackend->requests().size(), 2u) << "the grid asks for the maps the shown result lacks";
    std::vector<std::string> expected;
    for (const QString& id : mSession->gridMethodsShown())
        expected.push_back(id.toStdString());
    EXPECT_EQ(mBackend->requests().back().options.methods, expected);
    EXPECT_EQ(expected.size(), static_cast<size_t>(mSession->settings().gridMethods.size()));

    // The current method is computed first; Score-CAM joins when chosen, and the choice is saved.
    mSession->setMethod(QStringLiteral("layercam"));
    EXPECT_EQ(mSession->gridMethodsShown(), mSession->settings().gridMethods) << "the cells keep their places";
    EXPECT_EQ(mBackend->requests().size(), 2u) << "the grid's result has LayerCAM already";
    mSession->setGridMethods({QStringLiteral("gradcam"), QStringLiteral("scorecam"), QStringLiteral("nonsense")});
    ASSERT_TRUE(waitIdle());
    EXPECT_EQ(mSession->settings().gridMethods, (QStringList{QStringLiteral("gradcam"), QStringLiteral("scorecam")}));
    EXPECT_EQ(AppSettings::load().gridMethods, mSession->settings().gridMethods);
    EXPECT_EQ(mBackend->requests().back().options.methods,
              (std::vector<std::string>{"layercam", "gradcam", "scorecam"}));

    // Compare mode and the grid exclude each other.
    mSession->setCompareModels({QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")});
    EXPECT_TRUE(mSession->compareActive());
    EXPECT_FALSE(mSession->methodsGrid());
    mSession->setMethodsGrid(true);
    EXPECT_FALSE(mSession->compareActive());
    ASSERT_TRUE(waitIdle());
}

TEST_F(SessionTest, FilesOpenAndAFolderRunsAsABatchListedAsOpenFolderLastChose)
{
    // Files: the main view.
    Expected<bool> batch = mSession->openOrBatch({mPhotoA});
    ASSERT_TRUE(batch.ok()) << batch.message();
    EXPECT_FALSE(*batch);
    EXPECT_EQ(mSession->imagePath(), mPhotoA);
    ASSERT_TRUE(waitIdle());

    // Open Folder's choices are remembered (and saved) and a folder given later is listed with them.
    ListOptions listing;
    listing.recursive = false;
    listing.suffixes = {QStringLiteral("png")};
    mSession->rememberListing(mDir.path(), listing);
    const AppSettings saved = AppSettings::load();
    EXPECT_EQ(saved.batchFolder, mDir.path());
    EXPECT_FALSE(saved.batchRecursive);
    EXPECT_EQ(saved.batchSuffixes, QStringList{QStringLiteral("png")});

    batch = mSession->openOrBatch({mDir.path()});
    ASSERT_TRUE(batch.ok()) << batch.message();
    EXPECT_TRUE(*batch);
    EXPECT_EQ(mSession->batch()->plan().inputs, QStringList{mDir.path()});
    EXPECT_FALSE(mSession->batch()->plan().listing.recursive);
    EXPECT_EQ(mSession->batch()->plan().listing.suffixes, QStringList{QStringLiteral("png")});
    mSession->batch()->cancel();
    ASSERT_TRUE(waitIdle());
}

}  // namespace
}  // namespace convlens
