// The window's open path with the hostile corpus (make_corpus.py): every image file of the corpus is opened through
// MainWindow::openPaths, as a drop or File ▸ Open does. A bad file must show a message naming it, a valid one its
// analysis; the event loop must never stall, nothing may block or crash. Folders named like images are left out
// (opening a folder starts a batch, which is not an image open).
// All of them: about 15 s on two cores (the images are small; mobilenet_v3_small analyses the valid ones).
#include "core/session/appsettings.h"
#include "tests/ui/testwindow.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTest>
#include <QTimer>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace convlens {
namespace {

constexpr int kPerFileTimeoutMs = 60'000;
constexpr qint64 kLongestStallMs = 1'000;  // the offscreen window on a loaded 2-core machine, with margin

const QString kCorpus = QStringLiteral(CONVLENS_FIXTURE_DIR "/hostile");

struct CorpusImage {
    QString path;
    bool valid;
    QString why;
};

std::vector<CorpusImage> corpusImages()
{
    QFile file(kCorpus + QStringLiteral("/manifest.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    std::vector<CorpusImage> images;
    const QJsonArray files = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("files")).toArray();
    for (const QJsonValue& value : files) {
        const QJsonObject entry = value.toObject();
        if (entry.value(QStringLiteral("kind")).toString() != QStringLiteral("image") ||
            entry.value(QStringLiteral("entry")).toString() != QStringLiteral("predict"))
            continue;
        const QString path = kCorpus + QLatin1Char('/') + entry.value(QStringLiteral("file")).toString();
        if (QFileInfo(path).isDir())
            continue;
        const bool valid = entry.value(QStringLiteral("expect")).toString() == QStringLiteral("ok");
        images.push_back({path, valid, entry.value(QStringLiteral("why")).toString()});
    }
    return images;
}

QByteArray sha256Of(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

TEST(HostileWindow, EveryImageOfTheCorpusOpensOrSaysWhyWithoutStalling)
{
    const std::vector<CorpusImage> images = corpusImages();
    ASSERT_GE(images.size(), 100u) << "no corpus at " << kCorpus.toStdString() << " (the hostile fixture)";

    std::unique_ptr<MainWindow> window;
    testing::openTestWindow(QStringLiteral("mobilenet_v3_small"), window);
    if (::testing::Test::HasFatalFailure())
        return;

    testing::EventLoopWatch watch;  // how long the GUI thread was unavailable, per file

    int opened = 0;
    for (const CorpusImage& image : images) {
        const QString name = QFileInfo(image.path).fileName();
        const std::string what = name.toStdString() + " (" + image.why.toStdString() + ")";
        window->messageBar()->clear();
        watch.start();
        window->openPaths({image.path});
        if (image.valid) {
            const QByteArray sha = sha256Of(image.path);
            const bool shown = QTest::qWaitFor(
                [&] {
                    return (window->currentResult() &&
                            QByteArray::fromStdString(window->currentResult()->imageSha256) == sha) ||
                           window->messageBar()->count() > 0;
                },
                kPerFileTimeoutMs);
            EXPECT_TRUE(shown) << what << ": neither a result nor a message after 60 s";
            EXPECT_EQ(window->messageBar()->count(), 0)
                << what << ": a valid file was refused: "
                << window->messageBar()->texts().join(QLatin1Char('\n')).toStdString();
        } else {
            const bool shown = QTest::qWaitFor([&] { return window->messageBar()->count() > 0; }, kPerFileTimeoutMs);
            EXPECT_TRUE(shown) << what << ": no message after 60 s";
            const QString text = window->messageBar()->texts().join(QLatin1Char('\n'));
            EXPECT_TRUE(text.contains(name)) << what << ": the message does not name the file: " << text.toStdString();
            EXPECT_FALSE(text.contains(QStringLiteral("c10::")) || text.contains(QStringLiteral("bad_alloc")) ||
                         text.contains(QStringLiteral("what():")))
                << what << ": raw library text: " << text.toStdString();
        }
        EXPECT_TRUE(QTest::qWaitFor([&] { return !window->isBusy(); }, kPerFileTimeoutMs))
            << what << ": the window is still busy after 60 s";
        watch.stop();
        EXPECT_LT(watch.longestGapMs(), kLongestStallMs)
            << what << ": the event loop stalled for " << watch.longestGapMs() << " ms";
        ++opened;
    }
    // Still usable: the sample photo opens and is analysed.
    window->messageBar()->clear();
    window->openPaths({QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/chelsea.jpg")});
    const QByteArray sha = sha256Of(QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/chelsea.jpg"));
    EXPECT_TRUE(QTest::qWaitFor(
        [&] {
            return window->currentResult() && QByteArray::fromStdString(window->currentResult()->imageSha256) == sha;
        },
        kPerFileTimeoutMs))
        << "the window does not analyse a good photo after the corpus";
    std::printf("opened %d corpus images through MainWindow::openPaths\n", opened);
}

}  // namespace
}  // namespace convlens
