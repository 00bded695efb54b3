// main() for the widget tests: a QApplication on the offscreen platform (unless the environment chose another),
// with its own settings scope so tests never touch the user's QSettings. ctest runs every test case as a process
// of its own, two at a time: each process gets its own settings file (named after its pid), removed at the end,
// so one test clearing its settings never pulls them from under another.
#include <QApplication>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>

#include <gtest/gtest.h>

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ConvLensTests"));
    QApplication::setApplicationName(QStringLiteral("ConvLensTests-%1").arg(QCoreApplication::applicationPid()));
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    QFile::remove(QSettings().fileName());
    return status;
}
