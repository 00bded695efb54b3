#pragma once
// The main window as the UI tests open it: a clean settings file of the test's own, no disk cache, the fixture
// checkpoints (or `weightsDir`) as the weights folder, first-start chores off, `model` chosen, shown at 1400×900
// and ready (its registry loaded). Fails the calling test (ASSERT) when the registry never loads.
// EventLoopWatch: how long the GUI thread was unavailable while it ran (a 10-ms timer's longest gap).

#include "core/session/appsettings.h"
#include "ui/mainwindow.h"

#include <QElapsedTimer>
#include <QSettings>
#include <QTest>
#include <QTimer>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace convlens::testing {

inline void openTestWindow(const QString& model, std::unique_ptr<MainWindow>& window,
                           const QString& weightsDir = QStringLiteral(CONVLENS_FIXTURE_DIR "/models"))
{
    qputenv("CACHE_DISK", "0");
    QSettings().clear();
    QSettings().setValue(QStringLiteral("state/firstStartDone"), true);
    // The fixture checkpoints carry the official file names: the settings' weights folder points there.
    AppSettings settings = AppSettings::load();
    settings.weightsDir = weightsDir;
    settings.selectedModels = QStringList{model};
    settings.save();
    MainWindowOptions options;
    options.openSampleOnFirstStart = false;
    options.persistentCache = false;
    window = std::make_unique<MainWindow>(options);
    window->resize(1400, 900);
    window->show();
    ASSERT_TRUE(QTest::qWaitFor([&window] { return window->isReady(); }, 30'000)) << "registry never loaded";
    window->setModel(model);
}

class EventLoopWatch {
public:
    EventLoopWatch()
    {
        mTicker.setInterval(10);
        QObject::connect(&mTicker, &QTimer::timeout, [this] {
            const qint64 now = mClock.elapsed();
            mLongest = std::max(mLongest, now - mLast);
            mLast = now;
        });
    }
    // Starts (again) from no gap.
    void start()
    {
        mClock.start();
        mLast = 0;
        mLongest = 0;
        mTicker.start();
    }
    void stop() { mTicker.stop(); }
    qint64 longestGapMs() const { return mLongest; }

private:
    QTimer mTicker;
    QElapsedTimer mClock;
    qint64 mLast = 0;
    qint64 mLongest = 0;
};

}  // namespace convlens::testing
