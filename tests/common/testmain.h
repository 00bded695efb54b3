#pragma once
// runTests: the end of a test main() once its Q(Core|Gui)Application exists. The tests keep QSettings under the
// organisation "ConvLensTests" (never the user's), in a file of this process's own: ctest runs every test case as
// a process of its own, two at a time, so one test clearing its settings never pulls them from under another. The
// file is removed at the end. Call QStandardPaths::setTestModeEnabled(true) before creating the application.

#include <QCoreApplication>
#include <QFile>
#include <QSettings>

#include <gtest/gtest.h>

namespace convlens::testing {

inline int runTests(int& argc, char** argv)
{
    QCoreApplication::setOrganizationName(QStringLiteral("ConvLensTests"));
    QCoreApplication::setApplicationName(QStringLiteral("ConvLensTests-%1").arg(QCoreApplication::applicationPid()));
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    QFile::remove(QSettings().fileName());
    return status;
}

}  // namespace convlens::testing
