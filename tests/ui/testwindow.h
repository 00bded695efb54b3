#pragma once
// The main window as the UI tests open it: a clean settings file of the test's own, no disk cache, the fixture
// checkpoints as the weights folder, first-start chores off, `model` chosen, shown at 1400×900 and ready (its
// registry loaded). Fails the calling test (ASSERT) when the registry never loads.

#include "core/session/appsettings.h"
#include "ui/mainwindow.h"

#include <QSettings>
#include <QTest>

#include <gtest/gtest.h>

#include <memory>

namespace convlens::testing {

inline void openTestWindow(const QString& model, std::unique_ptr<MainWindow>& window)
{
    qputenv("CACHE_DISK", "0");
    QSettings().clear();
    QSettings().setValue(QStringLiteral("state/firstStartDone"), true);
    // The fixture checkpoints carry the official file names: the settings' weights folder points there.
    AppSettings settings = AppSettings::load();
    settings.weightsDir = QStringLiteral(CONVLENS_FIXTURE_DIR "/models");
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

}  // namespace convlens::testing
