#pragma once
// ScreenshotTour: drives a MainWindow through the views a user sees and saves a screenshot of each, for the
// README and for looking at the application as a user would (tests/ui/screenshots.sh runs it under Xvfb):
//   main.png      the image with the CAM overlay, the predictions and the network diagram
//   diagram.png   the network diagram with a selected block
//   features.png  the feature-map grid of that block
//   report.png    the PNG report File ▸ Export Report writes
//   classpicker.png  a class beyond the top-K ("tabby") explained through the class picker
//   scorecam.png  Score-CAM running: how long it takes here, and the time left in the status bar
//   cancelled.png after Esc: what is shown says it was cancelled
//   cached.png    Grad-CAM again, served from the result cache (the status bar says so)
//   compare.png   compare mode with the given models
// Each step waits until every job has finished (scorecam.png: while it runs). GUI thread only; finished(ok) is emitted once at the end (ok is
// false when a step timed out or a screenshot could not be written, with the reason on stderr).

#include <QDir>
#include <QObject>
#include <QStringList>

#include <functional>
#include <vector>

class QTimer;

namespace convlens {

class MainWindow;

class ScreenshotTour : public QObject {
    Q_OBJECT

public:
    // `layer`: the block selected in the diagram step (empty: the model's CAM target);
    // `compareModels`: two or more ids for the compare step (fewer: the step is skipped).
    ScreenshotTour(MainWindow* window, const QString& directory, const QString& layer,
                   const QStringList& compareModels, QObject* parent = nullptr);
    void start();

Q_SIGNALS:
    void finished(bool ok);

private:
    struct Step {
        QString name;  // the screenshot's file name; empty: a step that only prepares the next
        std::function<void()> prepare;
        std::function<bool()> done;  // polled until true
        bool whileBusy = false;      // shot while jobs run (otherwise after every job has finished)
    };
    void runStep();
    void poll();
    bool save(const QString& name);
    bool settled() const;

    MainWindow* mWindow = nullptr;
    QDir mDirectory;
    QString mLayer;
    QStringList mCompare;
    std::vector<Step> mSteps;
    std::size_t mIndex = 0;
    QTimer* mTimer = nullptr;
    int mWaitedMs = 0;
    int mQuietPolls = 0;
    quint64 mLoadingJob = 0;  // the main view's latest job (the loading step watches its stage)
};

}  // namespace convlens
