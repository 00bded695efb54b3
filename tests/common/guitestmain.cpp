// Test main of the rooms whose pages draw text without widgets (batch, report): a QGuiApplication on the offscreen
// platform, and a settings file of the process's own.
#include "tests/common/testmain.h"

#include <QGuiApplication>
#include <QStandardPaths>

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QGuiApplication app(argc, argv);
    return convlens::testing::runTests(argc, argv);
}
