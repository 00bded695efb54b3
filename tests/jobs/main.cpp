// GoogleTest main with a QCoreApplication: JobService delivers its signals through the event loop, and the
// tests spin it with QSignalSpy::wait / QTest::qWait.
#include <QCoreApplication>

#include <gtest/gtest.h>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
