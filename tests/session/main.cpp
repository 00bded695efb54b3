// GoogleTest main with a QGuiApplication on the offscreen platform (unless the environment chose another): the
// session delivers its signals through the event loop, keeps settings with QSettings (tests/common/testmain.h gives
// this process a scope of its own), and a finished batch draws its summary pages, which needs fonts.
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
