// GoogleTest main with a QCoreApplication: the session delivers its signals through the event loop, and it keeps
// settings with QSettings, under a test organisation so the user's own are never touched.
#include <QCoreApplication>
#include <QSettings>

#include <gtest/gtest.h>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("ConvLensTests"));
    QCoreApplication::setApplicationName(QStringLiteral("session_test"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
