// GoogleTest main with a QCoreApplication: the session delivers its signals through the event loop, and it keeps
// settings with QSettings (tests/common/testmain.h gives this process a scope of its own).
#include "tests/common/testmain.h"

#include <QStandardPaths>

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication app(argc, argv);
    return convlens::testing::runTests(argc, argv);
}
