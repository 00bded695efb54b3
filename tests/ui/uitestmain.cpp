// main() for the widget tests: a QApplication on the offscreen platform (unless the environment chose another),
// with a settings scope of this process's own (tests/common/testmain.h), so tests never touch the user's QSettings
// nor each other's.
#include "tests/common/testmain.h"

#include <QApplication>
#include <QStandardPaths>

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    return convlens::testing::runTests(argc, argv);
}
