// The main window end to end on the offscreen platform, with the seeded fixture checkpoints of the `models`
// fixture as the weights: a drop starts a job whose predictions appear; a click in the diagram changes the
// feature grid's layer; another method or class changes the overlay; compare fills one cell per model; a corrupt
// file shows an error and the window stays usable; the event loop never stalls while analyses run.
#include "core/jobs/jobservice.h"
#include "core/session/analysissession.h"
#include "core/session/appsettings.h"
#include "ui/classpicker.h"
#include "ui/colorbarwidget.h"
#include "ui/compareview.h"
#include "ui/explanationview.h"
#include "ui/jobstatuswidget.h"
#include "ui/featuremapgrid.h"
#include "tests/ui/testwindow.h"
#include "ui/layerpropertiesview.h"
#include "ui/mainwindow.h"
#include "ui/methodsgridview.h"
#include "ui/messagebar.h"
#include "ui/networkdiagram.h"
#include "ui/overlayview.h"
#include "ui/predictionlist.h"
#include "ui/weightspanel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QStatusBar>
#include <QClipboard>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

#include <gtest/gtest.h>

#include <iostream>
#include <memory>

namespace convlens {
namespace {

constexpr int kJobTimeoutMs = 120'000;

QString samplePhoto()
{
    return QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/chelsea.jpg");
}

class MainWindowTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        testing::openTestWindow(QStringLiteral("resnet18"), window);
    }

    void TearDown() override { window.reset(); }

    void drop(const QStringList& paths)
    {
        auto* mime = new QMimeData;
        QList<QUrl> urls;
        for (const QString& path : paths)
            urls << QUrl::fromLocalFile(path);
        mime->setUrls(urls);
        const QPoint at(window->width() / 2, window->height() / 2);
        QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(window.get(), &enter);
        ASSERT_TRUE(enter.isAccepted()) << "the window refused the drag";
        QDropEvent dropEvent(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(window.get(), &dropEvent);
        delete mime;
    }

    bool waitIdle(int timeoutMs = kJobTimeoutMs)
    {
        return QTest::qWaitFor([this] { return !window->isBusy(); }, timeoutMs);
    }

    std::unique_ptr<MainWindow> window;
};

TEST_F(MainWindowTest, DroppedPhotoStartsAJobAndThePredictionsAppear)
{
    QSignalSpy states(window->jobService(), &JobService::jobStateChanged);
    drop({samplePhoto()});
    ASSERT_GE(states.count() + 1, 1);
    ASSERT_TRUE(QTest::qWaitFor([&] { return states.count() > 0; }, 5000)) << "the drop started no job";
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    // The first map comes first (a partial result); the feature maps follow it.
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->featureGrid()->tileCount() > 0; }, kJobTimeoutMs))
        << "no feature maps after the first map";

    const ResultPtr result = window->currentResult();
    EXPECT_EQ(result->modelId, "resnet18");
    EXPECT_EQ(result->imageSha256.size(), 64u);
    EXPECT_EQ(window->predictionList()->rowCount(), static_cast<int>(result->prediction.top.size()));
    EXPECT_GE(window->predictionList()->rowCount(), 1);
    EXPECT_EQ(window->predictionList()->selectedClass(), result->prediction.top.front().index);
    EXPECT_TRUE(window->overlayView()->hasHeatmap());
    EXPECT_FALSE(window->featureGrid()->layer().isEmpty());
    EXPECT_GT(window->featureGrid()->tileCount(), 0);
}

TEST_F(MainWindowTest, ADroppedPictureIsAnalysedAndTheClipboardStaysTheUsers)
{
    QApplication::clipboard()->setText(QStringLiteral("the user's own clipboard"));
    QImage picture(samplePhoto());
    ASSERT_FALSE(picture.isNull());
    auto* mime = new QMimeData;
    mime->setImageData(picture);
    const QPoint at(window->width() / 2, window->height() / 2);
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &enter);
    ASSERT_TRUE(enter.isAccepted());
    QDropEvent dropEvent(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &dropEvent);
    delete mime;
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    EXPECT_EQ(window->session()->imageName(), QStringLiteral("dropped image"));
    EXPECT_TRUE(window->windowTitle().startsWith(QStringLiteral("dropped image")));
    EXPECT_EQ(QApplication::clipboard()->text(), QStringLiteral("the user's own clipboard"));
    EXPECT_TRUE(QApplication::clipboard()->image().isNull());
}

TEST_F(MainWindowTest, ClickingABlockInTheDiagramChangesTheGridsLayer)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    NetworkDiagram* diagram = window->diagram();
    ASSERT_TRUE(QTest::qWaitFor([&] { return !diagram->description().blocks.empty(); }, 30'000));
    window->showDock(diagram);
    QTest::qWait(50);

    const QString block = QStringLiteral("layer2.1");
    ASSERT_NE(window->featureGrid()->layer(), block);
    diagram->selectBlock(block);  // scrolls the node into view
    const QPointF scenePos = diagram->blockPosition(block);
    ASSERT_FALSE(scenePos.isNull());
    const QPoint viewPos = diagram->mapFromScene(scenePos);
    ASSERT_TRUE(diagram->viewport()->rect().contains(viewPos)) << "block not visible in the diagram";
    QTest::mouseClick(diagram->viewport(), Qt::LeftButton, Qt::NoModifier, viewPos);

    ASSERT_TRUE(QTest::qWaitFor([&] { return window->featureGrid()->layer() == block; }, kJobTimeoutMs))
        << "grid shows " << window->featureGrid()->layer().toStdString();
    EXPECT_EQ(window->currentLayer(), block);
    // A layer that was not recorded is analysed again; the first map comes first and the feature maps follow
    // (the grid says so meanwhile), so the tiles may come a little after the layer's name.
    EXPECT_TRUE(QTest::qWaitFor([&] { return window->featureGrid()->tileCount() > 0; }, kJobTimeoutMs));
    EXPECT_EQ(window->featureGrid()->layer(), block);
}

TEST_F(MainWindowTest, AnotherClassOrMethodChangesTheOverlay)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    const QImage first = window->overlayView()->composedImage();
    const auto& top = window->currentResult()->prediction.top;
    ASSERT_GE(top.size(), 2u);

    window->selectClass(top[1].index);
    EXPECT_EQ(window->predictionList()->selectedClass(), top[1].index);
    const QImage secondClass = window->overlayView()->composedImage();
    EXPECT_NE(first, secondClass) << "the overlay did not change with the class";

    const ResultPtr before = window->currentResult();
    window->setMethod(QStringLiteral("layercam"));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return window->currentResult() != before && window->currentMethod() == QStringLiteral("layercam"); },
        kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    EXPECT_TRUE(window->overlayView()->hasHeatmap());
    EXPECT_NE(window->overlayView()->composedImage(), secondClass) << "the overlay did not change with the method";
}

TEST_F(MainWindowTest, OneScaleForAllClassesRescalesTheOverlay)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    auto* action = window->findChild<QAction*>(QStringLiteral("classScaleAction"));
    ASSERT_NE(action, nullptr);
    // Each map normalised on its own vs all on one scale: at least one class's overlay must change.
    std::vector<QImage> own;
    for (const ClassScore& score : window->currentResult()->prediction.top) {
        window->selectClass(score.index);
        own.push_back(window->overlayView()->composedImage());
    }
    action->setChecked(true);
    int changed = 0;
    for (std::size_t i = 0; i < own.size(); ++i) {
        window->selectClass(window->currentResult()->prediction.top[i].index);
        changed += window->overlayView()->composedImage() != own[i] ? 1 : 0;
    }
    EXPECT_GE(changed, 1);
    action->setChecked(false);
    window->selectClass(window->currentResult()->prediction.top.back().index);
    EXPECT_EQ(window->overlayView()->composedImage(), own.back());
}

TEST_F(MainWindowTest, CompareWithTwoModelsFillsBothCells)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    const QStringList models{QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")};
    window->setCompareModels(models);
    ASSERT_TRUE(window->compareMode());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return window->compareView()->result(models[0]) && window->compareView()->result(models[1]); },
        kJobTimeoutMs));
    const int chosen = window->currentClass();
    for (const QString& id : models) {
        EXPECT_EQ(window->compareView()->result(id)->modelId, id.toStdString());
        EXPECT_TRUE(window->compareView()->hasOverlay(id)) << id.toStdString() << " has no map for class " << chosen;
        EXPECT_FALSE(window->compareView()->cellImage(id).isNull());
    }
    // The shared scale has its colour bar, which says so.
    EXPECT_TRUE(window->compareView()->colorBar()->isVisible());
    EXPECT_GE(window->compareView()->colorBar()->width(), 140);
    window->setCompareModels({});
    EXPECT_FALSE(window->compareMode());
}

TEST_F(MainWindowTest, CorruptFileShowsAnErrorAndTheWindowStaysUsable)
{
    QTemporaryDir dir;
    const QString corrupt = dir.filePath(QStringLiteral("broken-photo.jpg"));
    {
        QFile file(corrupt);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(QByteArray("\xff\xd8\xff\xe0 this is not really a JPEG", 30));
    }
    drop({corrupt});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->messageBar()->count() > 0; }, kJobTimeoutMs));
    EXPECT_TRUE(window->messageBar()->texts().join(QLatin1Char('\n')).contains(QStringLiteral("broken-photo.jpg")))
        << window->messageBar()->texts().join(QLatin1Char('\n')).toStdString();
    EXPECT_EQ(window->currentResult(), nullptr);

    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    EXPECT_GE(window->predictionList()->rowCount(), 1);
}

TEST_F(MainWindowTest, MissingWeightsSayWhatToDoAndUntrainedNeedsAnExplicitChoice)
{
    // No checkpoint anywhere: no settings folder, an empty weights folder, and torch's caches in an empty home.
    AppSettings settings = window->session()->settings();
    settings.weightsDir.clear();
    window->session()->setSettings(settings);
    QTemporaryDir empty;
    qputenv("CONVLENS_WEIGHTS_DIR", empty.path().toLocal8Bit());
    qputenv("TORCH_HOME", empty.path().toLocal8Bit());
    qputenv("XDG_CACHE_HOME", empty.path().toLocal8Bit());
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->messageBar()->count() > 0; }, 10'000));
    const QString message = window->messageBar()->texts().join(QLatin1Char('\n'));
    EXPECT_TRUE(message.contains(QStringLiteral("resnet18-f37072fd.pth"))) << message.toStdString();
    EXPECT_EQ(window->currentResult(), nullptr) << "a model without weights ran without the user's choice";
    EXPECT_FALSE(window->untrainedBannerShown());
    // The placeholder says what to do by itself: it must not point at a message the user may close.
    EXPECT_FALSE(window->overlayView()->placeholder().contains(QStringLiteral("message above")))
        << window->overlayView()->placeholder().toStdString();
    EXPECT_TRUE(window->overlayView()->placeholder().contains(QStringLiteral("Weights panel")));

    window->weightsPanel()->setUntrainedAllowed(QStringLiteral("resnet18"), true);
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    EXPECT_TRUE(window->currentResult()->weights.empty());
    EXPECT_TRUE(window->untrainedBannerShown());
    EXPECT_FALSE(window->messageBar()->texts().join(QLatin1Char('\n')).contains(QStringLiteral("has no weights")))
        << "the missing-weights message outlived the result that answered it";
    qunsetenv("TORCH_HOME");
    qunsetenv("XDG_CACHE_HOME");
}

TEST_F(MainWindowTest, EventLoopNeverStallsWhileAnalysesRun)
{
    // How long the GUI thread was unavailable while analyses of two models, a layer with every channel and a
    // model switch run.
    testing::EventLoopWatch watch;
    watch.start();

    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    window->setModel(QStringLiteral("resnet50"));
    window->selectLayer(QStringLiteral("layer1.0"));
    ASSERT_TRUE(QTest::qWaitFor(
        [this] { return window->currentResult() && window->currentResult()->modelId == "resnet50"; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    QTest::qWait(50);
    watch.stop();
    EXPECT_LT(watch.longestGapMs(), 100) << "the event loop stalled for " << watch.longestGapMs() << " ms";
}

TEST_F(MainWindowTest, ArrowKeysInTheImagesListShowTheImageSelected)
{
    const QString coffee = QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/coffee.jpg");
    window->openPaths({samplePhoto(), coffee});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    QListWidget* list = window->imageList();
    ASSERT_EQ(list->count(), 2);
    EXPECT_EQ(list->currentRow(), 0);
    EXPECT_EQ(window->session()->imagePath(), samplePhoto());

    list->setFocus();
    QTest::keyClick(list, Qt::Key_Down);
    EXPECT_EQ(list->currentRow(), 1);
    EXPECT_EQ(window->session()->imagePath(), coffee) << "the selection moved but the old image stays shown";
    ASSERT_TRUE(waitIdle());
    QTest::keyClick(list, Qt::Key_Up);
    EXPECT_EQ(window->session()->imagePath(), samplePhoto());

    // And the other way: whatever shows an image selects it in the list.
    window->openImage(coffee);
    EXPECT_EQ(list->currentRow(), 1);
    ASSERT_TRUE(waitIdle());
}

TEST_F(MainWindowTest, CtrlCommaOpensTheSettings)
{
    const QKeySequence ctrlComma(Qt::CTRL | Qt::Key_Comma);
    QAction* found = nullptr;
    int bound = 0;
    for (QAction* action : window->findChildren<QAction*>())
        if (action->shortcuts().contains(ctrlComma)) {
            found = action;
            ++bound;
        }
    ASSERT_NE(found, nullptr) << "nothing answers Ctrl+,";
    EXPECT_EQ(bound, 1) << "Ctrl+, is ambiguous";
    EXPECT_TRUE(found->text().contains(QStringLiteral("Settings"))) << found->text().toStdString();
}

TEST_F(MainWindowTest, TheSharedScaleToggleRedrawsWithoutANewAnalysis)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    const ResultPtr shown = window->currentResult();
    ASSERT_GT(window->featureGrid()->tileCount(), 0);
    QSignalSpy started(window->session(), &AnalysisSession::analysisStarted);
    QSignalSpy jobs(window->jobService(), &JobService::jobStateChanged);
    auto* box = window->featureGrid()->findChild<QCheckBox*>();
    ASSERT_NE(box, nullptr);
    box->click();
    EXPECT_TRUE(window->featureGrid()->sharedScale());
    EXPECT_TRUE(window->session()->sharedTileScale());
    box->click();
    QTest::qWait(50);
    EXPECT_EQ(started.count(), 0);
    EXPECT_EQ(jobs.count(), 0) << "the toggle started a job";
    EXPECT_EQ(window->currentResult(), shown);
    EXPECT_FALSE(window->session()->isBusy());
    // Both scalings are in the result, so the redraw needs nothing else.
    for (const LayerResult& layer : shown->layers)
        for (const ChannelTile& tile : layer.tiles)
            ASSERT_FALSE(tile.sharedImage.isNull()) << layer.name;
}

TEST_F(MainWindowTest, DisplayNamesNotIdsAndEigenCamNamesNoClass)
{
    EXPECT_EQ(JobStatusWidget::displayStage(QStringLiteral("cam guidedgradcam")), QStringLiteral("Guided Grad-CAM"));
    EXPECT_EQ(JobStatusWidget::displayStage(QStringLiteral("cam gradcam")), QStringLiteral("Grad-CAM"));
    EXPECT_EQ(JobStatusWidget::displayStage(QStringLiteral("forward")), QStringLiteral("forward"));

    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    const std::string label = window->currentResult()->prediction.top.front().label;
    const QString forClass = QStringLiteral("for <b>%1</b>").arg(QString::fromStdString(label).toHtmlEscaped());
    EXPECT_TRUE(window->explanationView()->caption().contains(forClass))
        << window->explanationView()->caption().toStdString();
    // The colour bar has a row of its own: the caption, however long, sits below it and never narrows it.
    const ColorBarWidget* bar = window->explanationView()->colorBar();
    EXPECT_TRUE(bar->isVisible());
    EXPECT_GE(bar->width(), 140);

    window->setMethod(QStringLiteral("eigencam"));
    ASSERT_TRUE(QTest::qWaitFor(
        [this] {
            return window->currentResult() &&
                   window->currentResult()->findCam(QStringLiteral("eigencam"), window->currentClass());
        },
        kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    const QString caption = window->explanationView()->caption();
    EXPECT_TRUE(caption.contains(QStringLiteral("EigenCAM"))) << caption.toStdString();
    EXPECT_FALSE(caption.contains(forClass)) << "EigenCAM does not depend on the class: " << caption.toStdString();
}

TEST_F(MainWindowTest, AResultFromTheCacheSaysSo)
{
    const QString coffee = QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/coffee.jpg");
    // The complete result, after the partial ones (results come progressively).
    auto complete = [this] { return window->currentResult() && !window->isBusy() && !window->session()->resultPartial(); };
    window->openImage(samplePhoto());
    ASSERT_TRUE(QTest::qWaitFor(complete, kJobTimeoutMs));
    EXPECT_TRUE(window->statusBar()->currentMessage().startsWith(QStringLiteral("Analysed in")))
        << window->statusBar()->currentMessage().toStdString();
    window->openImage(coffee);
    ASSERT_TRUE(QTest::qWaitFor(complete, kJobTimeoutMs));
    window->openImage(samplePhoto());
    ASSERT_TRUE(QTest::qWaitFor(complete, kJobTimeoutMs));
    EXPECT_TRUE(window->session()->resultFromCache());
    const QString message = window->statusBar()->currentMessage();
    EXPECT_TRUE(message.startsWith(QStringLiteral("From the cache in "))) << message.toStdString();
    EXPECT_FALSE(message.contains(QStringLiteral("Analysed"))) << message.toStdString();
}

TEST_F(MainWindowTest, MissingWeightsOfferADownloadAndOfflineSayWhichFileGoesWhere)
{
    // No checkpoint anywhere, and a mirror that refuses the connection at once (no network here either).
    AppSettings settings = window->session()->settings();
    settings.weightsDir.clear();
    settings.mirror = QStringLiteral("http://127.0.0.1:9/models");
    window->session()->setSettings(settings);
    QTemporaryDir empty;
    qputenv("CONVLENS_WEIGHTS_DIR", empty.path().toLocal8Bit());
    qputenv("TORCH_HOME", empty.path().toLocal8Bit());
    qputenv("XDG_CACHE_HOME", empty.path().toLocal8Bit());
    window->openImage(samplePhoto());
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->messageBar()->count() > 0; }, 10'000));
    EXPECT_TRUE(window->messageBar()->texts().join(QLatin1Char('\n')).contains(QStringLiteral("real predictions")));

    // The message's first button is Download; it starts the Weights panel's download (with its progress row).
    const QList<QPushButton*> buttons = window->messageBar()->findChildren<QPushButton*>();
    ASSERT_FALSE(buttons.isEmpty());
    QPushButton* download = buttons.front();
    EXPECT_EQ(download->text(), QStringLiteral("Download"));
    download->click();
    EXPECT_TRUE(window->weightsPanel()->isVisible()) << "the progress is not in sight";
    ASSERT_TRUE(QTest::qWaitFor(
        [this] {
            return window->messageBar()->texts().join(QLatin1Char('\n')).contains(QStringLiteral("Without a network"));
        },
        30'000))
        << window->messageBar()->texts().join(QLatin1Char('\n')).toStdString();
    const QString failure = window->messageBar()->texts().front();
    EXPECT_TRUE(failure.contains(QStringLiteral("resnet18-f37072fd.pth"))) << failure.toStdString();
    EXPECT_TRUE(failure.contains(empty.path())) << "the folder to put it in is not named: " << failure.toStdString();
    EXPECT_FALSE(window->weightsPanel()->isDownloading(QStringLiteral("resnet18")));
    qunsetenv("TORCH_HOME");
    qunsetenv("XDG_CACHE_HOME");
}

// Every widget inside `root` whose size is below what it needs to show its content, as "name WxH < WxH".
QStringList squeezedWidgets(QWidget* root)
{
    QStringList squeezed;
    const auto check = [&](QWidget* w) {
        if (!w->isVisible())
            return;
        const QSize need = w->minimumSizeHint().expandedTo(w->minimumSize());
        if (need.isValid() && (w->width() < need.width() || w->height() < need.height()))
            squeezed << QStringLiteral("%1(%2) %3x%4 < %5x%6")
                            .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName())
                            .arg(w->width())
                            .arg(w->height())
                            .arg(need.width())
                            .arg(need.height());
    };
    check(root);
    for (QDockWidget* dock : root->findChildren<QDockWidget*>())
        check(dock);
    return squeezed;
}

// The window at a screen size: its minimum fits, and no visible dock is narrower or lower than its content needs,
// both at once and with the Images dock shown (a folder of several images opened).
void expectFits(MainWindow* window, const QSize& screen)
{
    window->showNormal();
    window->resize(screen);
    QTest::qWait(50);
    const QSize minimum = window->minimumSizeHint().expandedTo(window->minimumSize());
    EXPECT_LE(minimum.width(), screen.width()) << "minimum " << minimum.width() << "x" << minimum.height();
    EXPECT_LE(minimum.height(), screen.height()) << "minimum " << minimum.width() << "x" << minimum.height();
    EXPECT_LE(window->width(), screen.width());
    EXPECT_LE(window->height(), screen.height());
    const QStringList squeezed = squeezedWidgets(window);
    EXPECT_TRUE(squeezed.isEmpty()) << squeezed.join(QStringLiteral("; ")).toStdString();
}

TEST_F(MainWindowTest, TheWindowFits1280x720And1920x1080WithEveryDockAtItsMinimumContent)
{
    window->openPaths({samplePhoto(), QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/coffee.jpg")});
    window->showDock(window->featureGrid());
    for (QDockWidget* dock : window->findChildren<QDockWidget*>())
        if (dock->objectName() != QStringLiteral("weights"))
            dock->show();
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    expectFits(window.get(), QSize(1280, 720));
    expectFits(window.get(), QSize(1920, 1080));
    expectFits(window.get(), QSize(1280, 720));

    // On a screen smaller than the designed 1440×900 plus a frame the window opens maximised, so its frame and
    // status bar stay on the screen (the offscreen screen is 800×600 unless told otherwise).
    const QSize available = window->screen()->availableGeometry().size();
    window->hide();
    window->showFitted();
    QTest::qWait(50);
    if (available.width() < 1456 || available.height() < 948) {
        EXPECT_TRUE(window->isMaximized());
        EXPECT_LE(window->frameGeometry().height(), available.height());
        EXPECT_LE(window->frameGeometry().width(), available.width());
    } else {
        EXPECT_FALSE(window->isMaximized());
    }
}

// While another image is analysed (or after its analysis is cancelled) the previous image's map stays, dimmed,
// with a line saying whose it is; the new result shows as current.
TEST_F(MainWindowTest, ACamTargetChangeRunsOnlyTheHeadFromThatBlock)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    QStringList stages;
    int jobs = 0;
    QObject::connect(window->session()->jobs(), &JobService::jobProgress, window.get(),
                     [&](quint64, double, const QString& stage) {
                         if (!stages.contains(stage))
                             stages << stage;
                     });
    QObject::connect(window->session()->jobs(), &JobService::jobStateChanged, window.get(),
                     [&](quint64, JobState state) { jobs += state == JobState::Queued ? 1 : 0; });
    window->setCamTarget(QStringLiteral("layer3.0"));
    ASSERT_TRUE(QTest::qWaitFor(
        [this] {
            return window->currentResult() && !window->currentResult()->cams.empty() &&
                   window->currentResult()->cams.front().layer == "layer3.0";
        },
        kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    EXPECT_EQ(jobs, 1);
    EXPECT_FALSE(stages.contains(QStringLiteral("forward"))) << "a full analysis ran: " << stages.join(u',').toStdString();
    // Progress reports are coalesced for the GUI (a quick stage may not show): the result says what ran.
    EXPECT_EQ(window->currentResult()->timingsMs.count("forward reused"), 1u) << "the forward pass was not reused";
    EXPECT_EQ(window->currentResult()->timingsMs.count("gradients"), 1u) << "the head's backward pass from layer3.0";
}

TEST_F(MainWindowTest, TheMethodsGridShowsEveryMethodProgressivelyOnOneScale)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());

    // The grid's maps come one method at a time, the first before the analysis ends; one analysis for all.
    int partials = 0;
    int jobs = 0;
    QObject::connect(window->session(), &AnalysisSession::resultChanged, window.get(),
                     [&] { partials += window->session()->resultPartial() ? 1 : 0; });
    QObject::connect(window->session()->jobs(), &JobService::jobStateChanged, window.get(),
                     [&](quint64, JobState state) { jobs += state == JobState::Queued ? 1 : 0; });
    window->setMethodsGridShown(true);
    EXPECT_TRUE(window->methodsGridShown());
    ASSERT_TRUE(waitIdle());
    EXPECT_EQ(jobs, 1);
    EXPECT_GE(partials, 1) << "no map was shown before the analysis ended";
    EXPECT_FALSE(window->session()->resultPartial());

    MethodsGridView* grid = window->methodsGrid();
    const QStringList methods = grid->methods();
    EXPECT_EQ(methods, window->session()->gridMethodsShown());
    ASSERT_GE(methods.size(), 6);
    for (const QString& id : methods) {
        EXPECT_TRUE(grid->hasMap(id)) << id.toStdString();
        EXPECT_FALSE(grid->cellImage(id).isNull()) << id.toStdString();
        EXPECT_TRUE(grid->cellCaption(id).contains(QStringLiteral("confidence"))) << "faithfulness missing: "
                                                                          << grid->cellCaption(id).toStdString();
    }
    EXPECT_TRUE(grid->colorBar()->isVisible());

    // Each map on its own range, or raw values on one scale: a redraw, and some map looks different.
    EXPECT_FALSE(grid->oneScale());
    std::map<QString, QImage> before;
    for (const QString& id : methods)
        before[id] = grid->cellImage(id);
    jobs = 0;
    grid->setOneScale(true);
    bool changed = false;
    for (const QString& id : methods)
        changed = changed || grid->cellImage(id) != before[id];
    EXPECT_TRUE(changed);
    EXPECT_EQ(jobs, 0);

    // Another class of the top-K: every map is there already.
    const int second = window->currentResult()->prediction.top.at(1).index;
    window->selectClass(second);
    QTest::qWait(20);
    EXPECT_EQ(jobs, 0) << "the grid's result explains every top class";
    EXPECT_TRUE(grid->hasMap(methods.front()));

    // Compare mode leaves the grid; a click on a cell shows its method large.
    window->setMethodsGridShown(false);
    EXPECT_FALSE(window->methodsGridShown());
    window->setMethodsGridShown(true);
    Q_EMIT grid->methodClicked(QStringLiteral("layercam"));
    EXPECT_EQ(window->currentMethod(), QStringLiteral("layercam"));
    EXPECT_FALSE(window->methodsGridShown());
    EXPECT_TRUE(window->overlayView()->hasHeatmap());
    ASSERT_TRUE(waitIdle());
}

TEST_F(MainWindowTest, ReportsExportAsCardPageMethodsGridOrCompareInPngOrPdf)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    window->setMethodsGridShown(true);
    ASSERT_TRUE(waitIdle());
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    auto pdfHeader = [](const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.read(5) : QByteArray();
    };

    ReportExport card;
    const QString cardPath = dir.filePath(QStringLiteral("card.png"));
    ASSERT_TRUE(window->exportReportTo(cardPath, card).ok());
    EXPECT_FALSE(QImage(cardPath).isNull());

    // A4 pages at the chosen resolution, with or without sections.
    ReportExport page;
    page.page = ReportExport::Page::MethodsGrid;
    page.dpi = 96;
    const QString gridPath = dir.filePath(QStringLiteral("grid.png"));
    ASSERT_TRUE(window->exportReportTo(gridPath, page).ok());
    const QImage grid(gridPath);
    EXPECT_NEAR(grid.width(), 794, 2);
    EXPECT_NEAR(grid.height(), 1123, 2);
    page.featureMaps = false;
    page.predictions = false;
    const QString bare = dir.filePath(QStringLiteral("grid-maps-only.png"));
    ASSERT_TRUE(window->exportReportTo(bare, page).ok());
    EXPECT_NE(QImage(bare), grid) << "leaving sections out changed nothing";
    page.page = ReportExport::Page::FullPage;
    page.pdf = true;
    const QString pdf = dir.filePath(QStringLiteral("page.pdf"));
    ASSERT_TRUE(window->exportReportTo(pdf, page).ok());
    EXPECT_EQ(pdfHeader(pdf), QByteArray("%PDF-"));

    // The compare page needs compared models; then PNG and PDF.
    ReportExport compare;
    compare.page = ReportExport::Page::Compare;
    EXPECT_FALSE(window->exportReportTo(dir.filePath(QStringLiteral("none.png")), compare).ok());
    const QStringList models{QStringLiteral("resnet18"), QStringLiteral("mobilenet_v3_small")};
    window->setCompareModels(models);
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return window->compareView()->result(models[0]) && window->compareView()->result(models[1]); },
        kJobTimeoutMs));
    const QString comparePng = dir.filePath(QStringLiteral("compare.png"));
    ASSERT_TRUE(window->exportReportTo(comparePng, compare).ok());
    EXPECT_FALSE(QImage(comparePng).isNull());
    compare.pdf = true;
    const QString comparePdf = dir.filePath(QStringLiteral("compare.pdf"));
    ASSERT_TRUE(window->exportReportTo(comparePdf, compare).ok());
    EXPECT_EQ(pdfHeader(comparePdf), QByteArray("%PDF-"));

    // A folder that cannot be written is named.
    const Expected<void> failed = window->exportReportTo(QStringLiteral("/proc/no/such/dir/x.png"), card);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.message().find("/proc/no/such/dir/x.png"), std::string::npos) << failed.message();
    window->setCompareModels({});
    ASSERT_TRUE(waitIdle());
}

TEST_F(MainWindowTest, WhileAModelLoadsTheDiagramSaysSo)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    window->setModel(QStringLiteral("mobilenet_v3_small"));
    EXPECT_EQ(window->diagram()->placeholder(), QStringLiteral("Loading MobileNetV3 Small…"));
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
}

TEST_F(MainWindowTest, CopyPutsTheViewShownOnTheClipboard)
{
    QApplication::clipboard()->setText(QStringLiteral("the user's"));
    EXPECT_TRUE(window->copyViewImage().isNull()) << "copied a view before any image";
    EXPECT_EQ(QApplication::clipboard()->text(), QStringLiteral("the user's")) << "the clipboard was touched";
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    const QImage map = window->copyViewImage();
    ASSERT_FALSE(map.isNull());
    EXPECT_EQ(map, window->overlayView()->composedImage()) << "the map at the network's input resolution";
    EXPECT_EQ(QApplication::clipboard()->image().size(), map.size());

    window->setMethodsGridShown(true);
    ASSERT_TRUE(waitIdle());
    const QImage grid = window->copyViewImage();
    ASSERT_FALSE(grid.isNull());
    EXPECT_EQ(grid.size(), window->methodsGrid()->size() * window->methodsGrid()->devicePixelRatioF());
    window->setMethodsGridShown(false);
}

TEST_F(MainWindowTest, TheSelectedBlocksLayersAreListedWithTheirOptionsShapesAndMultiplyAdds)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->session()->description(QStringLiteral("resnet18")) &&
                                                window->currentResult(); },
                                kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    window->selectLayer(QStringLiteral("layer3.0"));
    LayerPropertiesView* properties = window->layerProperties();
    EXPECT_EQ(properties->block(), QStringLiteral("layer3.0"));
    EXPECT_TRUE(properties->summary().contains(QStringLiteral("<b>layer3.0</b> · BasicBlock"))) << properties->summary().toStdString();
    EXPECT_TRUE(properties->summary().contains(QStringLiteral("Stage layer3"))) << properties->summary().toStdString();
    EXPECT_TRUE(properties->summary().contains(QStringLiteral("1.81 G multiply-adds"))) << properties->summary().toStdString();
    QTreeWidget* table = properties->table();
    ASSERT_GE(table->topLevelItemCount(), 6);
    const QTreeWidgetItem* conv1 = table->topLevelItem(0);
    EXPECT_EQ(conv1->text(0), QStringLiteral("conv1"));
    EXPECT_EQ(conv1->text(1), QStringLiteral("Conv2d"));
    EXPECT_EQ(conv1->text(2), QStringLiteral("3×3, stride 2, padding 1, no bias"));
    EXPECT_EQ(conv1->text(3), QStringLiteral("256×128×3×3"));
    EXPECT_EQ(conv1->text(4), QStringLiteral("256×14×14"));
    EXPECT_EQ(conv1->text(5), QStringLiteral("295 k"));
    EXPECT_EQ(conv1->text(6), QStringLiteral("57.8 M"));  // 14·14·256·128·9
    bool downsample = false;
    for (int i = 0; i < table->topLevelItemCount(); ++i)
        downsample = downsample || table->topLevelItem(i)->text(0) == QStringLiteral("downsample.0");
    EXPECT_TRUE(downsample) << "the shortcut's 1×1 convolution is listed";
}

TEST_F(MainWindowTest, TheClassPickerExplainsAnyOfTheThousandClasses)
{
    drop({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    ClassPicker* picker = window->classPicker();
    ASSERT_TRUE(picker->isEnabled());
    EXPECT_TRUE(picker->field()->placeholderText().contains(QStringLiteral("1,000"))) << picker->field()->placeholderText().toStdString();
    EXPECT_EQ(picker->matches(QStringLiteral("CAULI")), QStringList{QStringLiteral("cauliflower (938)")});
    EXPECT_EQ(picker->matches(QStringLiteral("(938)")), QStringList{QStringLiteral("cauliflower (938)")});
    EXPECT_GT(picker->matches(QStringLiteral("dog")).size(), 5);
    for (const ClassScore& top : window->currentResult()->prediction.top)
        ASSERT_NE(top.index, 938) << "the test needs a class beyond the top-K";

    ASSERT_TRUE(picker->pick(QStringLiteral("cauliflower (938)")));
    EXPECT_EQ(window->session()->classIndex(), 938);
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult()->findCam(QStringLiteral("gradcam"), 938); },
                                kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    EXPECT_EQ(window->currentResult()->timingsMs.count("forward reused"), 1u) << "only the head ran for the new class";
    EXPECT_TRUE(window->explanationView()->caption().contains(QStringLiteral("cauliflower")))
        << window->explanationView()->caption().toStdString();

    // Another method keeps explaining the picked class.
    window->setMethod(QStringLiteral("layercam"));
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult()->findCam(QStringLiteral("layercam"), 938); },
                                kJobTimeoutMs));
    EXPECT_EQ(window->session()->classIndex(), 938);
}

TEST_F(MainWindowTest, ScoreCamSaysHowLongItTakesAndEscStopsItWithinASecond)
{
    EXPECT_EQ(JobStatusWidget::timeLeft(0.5, 1500), QString()) << "too early to tell";
    EXPECT_EQ(JobStatusWidget::timeLeft(0.01, 10'000), QString()) << "too little done to tell";
    EXPECT_EQ(JobStatusWidget::timeLeft(0.5, 10'000), QStringLiteral("10 s left"));
    EXPECT_EQ(JobStatusWidget::timeLeft(0.25, 30'000), QStringLiteral("1 min 30 s left"));
    EXPECT_EQ(JobStatusWidget::timeLeft(0.999, 10'000), QString()) << "nothing worth saying";

    window->setModel(QStringLiteral("resnet50"));
    window->openPaths({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor(
        [this] { return window->currentResult() && window->currentResult()->modelId == "resnet50"; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->session()->description(QStringLiteral("resnet50")) != nullptr; },
                                kJobTimeoutMs));

    // Before it runs, the window says what Score-CAM costs here: 2,048 forward passes for ResNet-50's layer4.
    bool inScoreCam = false;
    QObject::connect(window->session()->jobs(), &JobService::jobProgress, window.get(),
                     [&](quint64, double, const QString& stage) { inScoreCam |= stage == QStringLiteral("cam scorecam"); });
    window->setMethod(QStringLiteral("scorecam"));
    auto* messages = window->findChild<MessageBar*>();
    ASSERT_NE(messages, nullptr);
    const QString announced = messages->texts().join(u'\n');
    EXPECT_TRUE(announced.contains(QStringLiteral("Score-CAM on ResNet-50")) && announced.contains(QStringLiteral("2,048")) &&
                announced.contains(QStringLiteral("Esc")))
        << announced.toStdString();

    ASSERT_TRUE(QTest::qWaitFor([&] { return inScoreCam; }, kJobTimeoutMs)) << "Score-CAM never started";
    QTest::qWait(500);  // well inside its 2,048 forward passes
    ASSERT_TRUE(window->isBusy());
    window->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window.get()));
    QSignalSpy cancelled(window->session(), &AnalysisSession::analysisCancelled);
    QElapsedTimer clock;
    clock.start();
    QTest::keyClick(window.get(), Qt::Key_Escape);
    ASSERT_TRUE(waitIdle(10'000)) << "Esc did not stop Score-CAM";
    const qint64 stoppedAfter = clock.elapsed();
    EXPECT_LT(stoppedAfter, 1000) << "Score-CAM took " << stoppedAfter << " ms to stop";
    EXPECT_EQ(cancelled.count(), 1);
    const QString caption = window->explanationView()->caption();
    EXPECT_TRUE(caption.contains(QStringLiteral("Score-CAM was cancelled"))) << caption.toStdString();
    std::cout << "Esc stopped Score-CAM on ResNet-50 in " << stoppedAfter << " ms\n";
}

TEST_F(MainWindowTest, ThePreviousImagesMapIsMarkedWhileTheNextIsAnalysed)
{
    window->openPaths({samplePhoto()});
    ASSERT_TRUE(QTest::qWaitFor([this] { return window->currentResult() != nullptr; }, kJobTimeoutMs));
    ASSERT_TRUE(waitIdle());
    ExplanationView* view = window->explanationView();
    EXPECT_FALSE(view->isStale());

    window->openPaths({QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/coffee.jpg")});
    ASSERT_TRUE(QTest::qWaitFor([view] { return view->isStale(); }, 5000)) << "nothing says the map is old";
    EXPECT_TRUE(view->staleNote().contains(QStringLiteral("previous image"))) << view->staleNote().toStdString();
    EXPECT_TRUE(view->staleNote().contains(QStringLiteral("coffee.jpg"))) << view->staleNote().toStdString();
    window->session()->cancelAll();
    ASSERT_TRUE(waitIdle());
    EXPECT_TRUE(view->isStale());
    EXPECT_TRUE(view->staleNote().startsWith(QStringLiteral("Cancelled"))) << view->staleNote().toStdString();

    window->session()->refresh();
    ASSERT_TRUE(QTest::qWaitFor([view] { return !view->isStale(); }, kJobTimeoutMs)) << "the new result stayed dim";
    EXPECT_EQ(window->session()->imageName(), QStringLiteral("coffee.jpg"));
}

}  // namespace
}  // namespace convlens
