// GoogleTest main with a QCoreApplication: the session delivers its signals through the event loop, and it keeps
// settings with QSettings, under a test organisation so the user's own are never touched, in a file of this
// process's own (ctest runs test cases in parallel processes), removed at the end.
#include <QCoreApplication>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>

#include <gtest/gtest.h>

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("ConvLensTests"));
    QCoreApplication::setApplicationName(QStringLiteral("session_test-%1").arg(QCoreApplication::applicationPid()));
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    QFile::remove(QSettings().fileName());
    return status;
}
