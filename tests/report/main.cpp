// Test main of the report pages: a QGuiApplication on the offscreen platform (pages draw text), own settings.
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
