#include "ui/screenshottour.h"

#include "core/session/analysissession.h"
#include "ui/classpicker.h"
#include "ui/compareview.h"
#include "ui/explanationview.h"
#include "ui/featuremapgrid.h"
#include "ui/jobstatuswidget.h"
#include "ui/layerpropertiesview.h"
#include "ui/mainwindow.h"
#include "ui/methodsgridview.h"
#include "ui/networkdiagram.h"

#include <QGuiApplication>
#include <QScreen>
#include <QTimer>
#include <QTreeWidget>
#include <QWindow>

#include <cstdio>

namespace convlens {

namespace {
constexpr int kPollMs = 100;
constexpr int kStepTimeoutMs = 180'000;
constexpr int kTabby = 281;  // ImageNet's "tabby", the class picker's example (by index: a packaged labels file may differ)
}  // namespace

ScreenshotTour::ScreenshotTour(MainWindow* window, const QString& directory, const QString& layer,
                               const QStringList& compareModels, QObject* parent)
    : QObject(parent), mWindow(window), mDirectory(directory), mLayer(layer), mCompare(compareModels)
{
    mTimer = new QTimer(this);
    mTimer->setInterval(kPollMs);
    connect(mTimer, &QTimer::timeout, this, &ScreenshotTour::poll);
    connect(mWindow->session(), &AnalysisSession::analysisStarted, this, [this](quint64 job) { mLoadingJob = job; });

    mSteps.push_back({QStringLiteral("main"), [] {},
                      [this] { return mWindow->isReady() && mWindow->currentResult() != nullptr; }});
    mSteps.push_back({QStringLiteral("diagram"),
                      [this] {
                          mWindow->showDock(mWindow->diagram(), 440);
                          if (!mLayer.isEmpty())
                              mWindow->selectLayer(mLayer);
                      },
                      [this] { return mWindow->diagram()->selectedBlock() == mWindow->currentLayer(); }});
    mSteps.push_back({QStringLiteral("features"), [this] { mWindow->showDock(mWindow->featureGrid(), 560); },
                      [this] { return mWindow->featureGrid()->tileCount() > 0; }});
    mSteps.push_back({QStringLiteral("layers"), [this] { mWindow->showDock(mWindow->layerProperties(), 300); },
                      [this] { return mWindow->layerProperties()->table()->topLevelItemCount() > 0; }});
    // The selected block opened into its layers, with its skip connection, and the search bar finding a layer.
    mSteps.push_back({QStringLiteral("diagram-layers"),
                      [this] {
                          mWindow->showDock(mWindow->diagram(), 440);
                          mWindow->diagram()->setBlockExpanded(mWindow->currentLayer(), true);
                          mWindow->diagram()->openSearch(mWindow->currentLayer() + QStringLiteral(".conv2"));
                          mWindow->diagram()->findNext();
                      },
                      [this] { return mWindow->diagram()->isBlockExpanded(mWindow->currentLayer()); }});
    mSteps.push_back({QString(),
                      [this] {
                          mWindow->diagram()->setBlockExpanded(mWindow->currentLayer(), false);
                          mWindow->diagram()->selectBlock(mWindow->currentLayer());
                          mWindow->showDock(mWindow->featureGrid());
                      },
                      [] { return true; }});
    mSteps.push_back({QStringLiteral("report"), [] {}, [] { return true; }});
    mSteps.push_back({QStringLiteral("classpicker"), [this] { mWindow->classPicker()->pick(QString::number(kTabby)); },
                      [this] {
                          return mWindow->currentResult() &&
                                 mWindow->currentResult()->findCam(mWindow->session()->method(), kTabby);
                      }});
    mSteps.push_back({QStringLiteral("scorecam"), [this] { mWindow->setMethod(QStringLiteral("scorecam")); },
                      [this] { return mWindow->isBusy() && mWaitedMs >= 6000; }, /*whileBusy=*/true});
    mSteps.push_back({QStringLiteral("cancelled"), [this] { mWindow->session()->cancelAll(); }, [] { return true; }});
    // Grad-CAM again (the shown result has its maps), then another image (the photo mirrored): while it is
    // analysed the previous map stays up, dimmed, and says so.
    mSteps.push_back({QStringLiteral("stale"),
                      [this] {
                          mWindow->setMethod(QStringLiteral("gradcam"));
                          if (ResultPtr shown = mWindow->currentResult())
                              mWindow->session()->openImagePixels(shown->input.mirrored(true, false),
                                                                  tr("the photo mirrored"));
                      },
                      [this] { return mWindow->explanationView()->isStale() || mWaitedMs >= 1000; },
                      /*whileBusy=*/true});
    mSteps.push_back({QString(), [] {}, [] { return true; }});  // until the mirrored photo's analysis ends
    // The same analysis once more: served from the result cache.
    mSteps.push_back({QStringLiteral("cached"), [this] { mWindow->session()->refresh(); },
                      [this] { return mWindow->session()->resultFromCache(); }});
    // Every gradient and projection method for the class, side by side on one scale.
    mSteps.push_back({QStringLiteral("methodsgrid"), [this] { mWindow->setMethodsGridShown(true); },
                      [this] {
                          for (const QString& id : mWindow->methodsGrid()->methods())
                              if (!mWindow->methodsGrid()->hasMap(id))
                                  return false;
                          return !mWindow->session()->resultPartial();
                      }});
    mSteps.push_back({QString(), [this] { mWindow->setMethodsGridShown(false); }, [] { return true; }});
    // Another model: the diagram and the status bar say it is loading (caught while it is, or soon after).
    mSteps.push_back({QStringLiteral("loading"),
                      [this] {
                          mLoadingJob = 0;
                          mWindow->setModel(QStringLiteral("densenet121"));
                      },
                      [this] {
                          const QString stage = mWindow->jobStatus()->stageText(mLoadingJob);
                          return stage.startsWith(QStringLiteral("loading"), Qt::CaseInsensitive) ||
                                 mWaitedMs >= 2000;
                      },
                      /*whileBusy=*/true});
    if (mCompare.size() >= 2)
        mSteps.push_back({QStringLiteral("compare"), [this] { mWindow->setCompareModels(mCompare); },
                          [this] {
                              for (const QString& id : mCompare)
                                  if (!mWindow->compareView()->result(id))
                                      return false;
                              return true;
                          }});
}

void ScreenshotTour::start()
{
    if (!mDirectory.mkpath(QStringLiteral("."))) {
        std::fprintf(stderr, "convlens: cannot create the screenshot folder %s\n",
                     qPrintable(mDirectory.absolutePath()));
        Q_EMIT finished(false);
        return;
    }
    mIndex = 0;
    runStep();
}

void ScreenshotTour::runStep()
{
    if (mIndex >= mSteps.size()) {
        Q_EMIT finished(true);
        return;
    }
    mWaitedMs = 0;
    mQuietPolls = 0;
    mSteps[mIndex].prepare();
    mTimer->start();
}

bool ScreenshotTour::settled() const
{
    return mWindow->isReady() && !mWindow->isBusy();
}

void ScreenshotTour::poll()
{
    mWaitedMs += kPollMs;
    const Step& step = mSteps[mIndex];
    // Wait for the jobs, then a few quiet polls so the widgets have painted what arrived.
    if ((step.whileBusy || settled()) && step.done())
        ++mQuietPolls;
    else
        mQuietPolls = 0;
    // A transient state (shot while busy) is shot at once: it may be gone in half a second.
    if (mQuietPolls >= (step.whileBusy ? 1 : 5)) {
        mTimer->stop();
        if (!save(step.name)) {
            Q_EMIT finished(false);
            return;
        }
        ++mIndex;
        runStep();
        return;
    }
    if (mWaitedMs >= kStepTimeoutMs) {
        mTimer->stop();
        std::fprintf(stderr, "convlens: screenshot step '%s' did not finish within %d s\n", qPrintable(step.name),
                     kStepTimeoutMs / 1000);
        save(step.name + QStringLiteral("-timeout"));
        Q_EMIT finished(false);
    }
}

bool ScreenshotTour::save(const QString& name)
{
    if (name.isEmpty())
        return true;  // a step that only prepares the next
    if (name == QLatin1String("report")) {
        // The exported report, as File ▸ Export Report writes it.
        const QString path = mDirectory.filePath(QStringLiteral("report.png"));
        if (!mWindow->exportReportTo(path)) {
            std::fprintf(stderr, "convlens: could not write the report %s\n", qPrintable(path));
            return false;
        }
        std::fprintf(stdout, "%s\n", qPrintable(path));
        return true;
    }
    // The screen's pixels when there is a real (X) screen, so what is saved is what a user would see.
    QPixmap shot;
    if (QScreen* screen = mWindow->screen(); screen && QGuiApplication::platformName() != QLatin1String("offscreen"))
        shot = screen->grabWindow(mWindow->winId());
    if (shot.isNull())
        shot = mWindow->grab();
    const QString path = mDirectory.filePath(name + QStringLiteral(".png"));
    if (shot.isNull() || !shot.save(path, "PNG")) {
        std::fprintf(stderr, "convlens: could not write %s\n", qPrintable(path));
        return false;
    }
    std::fprintf(stdout, "%s\n", qPrintable(path));
    std::fflush(stdout);
    return true;
}

}  // namespace convlens
