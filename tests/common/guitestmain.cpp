// Test main of the rooms that need no widgets but draw text or deliver signals (batch, report, session): a
// QGuiApplication on the offscreen platform (unless the environment chose another), and a settings file of the
// process's own (tests/common/testmain.h).
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
