// WeightDownloader against a loopback HTTP server run by the test itself (QTcpServer on 127.0.0.1, random
// port, same thread: the client and the server are both driven by the event loop that downloadBlocking() or
// the test runs). The server serves the fixture checkpoint written by make_download_fixtures.py, whose name
// carries its real sha256 prefix, a tampered copy, a body cut off after its Content-Length was sent, 404, 500,
// a redirect, a mirror path and a body that stalls (for cancel).

#include "core/weights/checkpoint.h"
#include "core/weights/weightdownloader.h"
#include "tests/weights/loopbackserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <gtest/gtest.h>

#include <memory>

namespace convlens {
namespace {

using test::LoopbackServer;

const QString kFixtureDir = test::downloadFixtureDir();

const test::DownloadFixture& fixture()
{
    return test::downloadFixture();
}

class DownloadTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(fixture().bytes.isEmpty()) << "fixture missing in " << kFixtureDir.toStdString();
        ASSERT_TRUE(mServer.listening());
        ASSERT_TRUE(mDir.isValid());
        qputenv("CONVLENS_WEIGHTS_DIR", mDownloads().toLocal8Bit());
        qunsetenv("CONVLENS_WEIGHTS_MIRROR");
        WeightDownloader::setMirror(QString());
    }
    void TearDown() override
    {
        qunsetenv("CONVLENS_WEIGHTS_DIR");
        qunsetenv("CONVLENS_WEIGHTS_MIRROR");
    }

    QString mDownloads() const { return mDir.path() + QStringLiteral("/weights"); }

    WeightsSpec spec(const QString& mode) const { return mServer.weights(mode); }

    // Every entry of the download folder (temporary files included).
    QStringList leftovers() const
    {
        return QDir(mDownloads()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    }

    void expectNothingLeft(const Expected<QString>& result, const QString& mode)
    {
        ASSERT_FALSE(result.ok());
        const std::string& message = result.message();
        EXPECT_NE(message.find(fixture().file.toStdString()), std::string::npos) << message;
        EXPECT_NE(message.find(spec(mode).url), std::string::npos) << message;
        EXPECT_TRUE(leftovers().isEmpty()) << leftovers().join(QStringLiteral(", ")).toStdString();
    }

    LoopbackServer mServer;
    QTemporaryDir mDir;
};

TEST_F(DownloadTest, DownloadsVerifiesAndReportsMonotonicProgress)
{
    std::vector<std::pair<qint64, qint64>> steps;
    const Expected<QString> path =
        downloadBlocking(spec(QStringLiteral("ok")), {}, [&](qint64 got, qint64 total, double speed) {
            EXPECT_GE(speed, 0.0);
            steps.emplace_back(got, total);
        });
    ASSERT_TRUE(path.ok()) << path.message();
    EXPECT_EQ(*path, QDir(mDownloads()).absoluteFilePath(fixture().file));
    EXPECT_EQ(leftovers(), QStringList{fixture().file});

    ASSERT_FALSE(steps.empty());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        EXPECT_EQ(steps[i].second, fixture().bytes.size());
        if (i > 0) {
            EXPECT_GT(steps[i].first, steps[i - 1].first);
        }
    }
    EXPECT_EQ(steps.back().first, fixture().bytes.size());

    QFile file(*path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(file.readAll(), fixture().bytes);
    const Expected<StateDict> sd = readCheckpoint(path->toStdString());
    ASSERT_TRUE(sd.ok()) << sd.message();
    ASSERT_EQ(sd->size(), 3u);
    EXPECT_EQ(sd->at(1).first, "fc.weight");
    EXPECT_EQ(sd->at(1).second.sizes().vec(), (std::vector<int64_t>{1000, 512}));

    EXPECT_TRUE(verifyWeightsFile(*path, spec(QStringLiteral("ok"))).ok());
}

TEST_F(DownloadTest, FollowsRedirects)
{
    const Expected<QString> path = downloadBlocking(spec(QStringLiteral("redirect")), {});
    ASSERT_TRUE(path.ok()) << path.message();
    EXPECT_EQ(mServer.requests.size(), 2);
    EXPECT_TRUE(mServer.requests.last().startsWith(QStringLiteral("/ok/")));
}

TEST_F(DownloadTest, FullSha256IsCheckedWhenGiven)
{
    WeightsSpec w = spec(QStringLiteral("ok"));
    w.sha256 = fixture().sha256.toStdString();
    EXPECT_TRUE(downloadBlocking(w, {}).ok());

    QFile::remove(QDir(mDownloads()).filePath(fixture().file));
    // Right prefix, wrong tail: the full digest decides.
    std::string wrong = w.sha256;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    w.sha256 = wrong;
    const Expected<QString> refused = downloadBlocking(w, {});
    expectNothingLeft(refused, QStringLiteral("ok"));
    EXPECT_NE(refused.message().find(wrong), std::string::npos) << refused.message();
}

TEST_F(DownloadTest, TamperedFileIsRefusedAndRemoved)
{
    const Expected<QString> result = downloadBlocking(spec(QStringLiteral("tampered")), {});
    expectNothingLeft(result, QStringLiteral("tampered"));
    EXPECT_NE(result.message().find("sha256"), std::string::npos) << result.message();
}

TEST_F(DownloadTest, DroppedConnectionLeavesNoFile)
{
    const Expected<QString> result = downloadBlocking(spec(QStringLiteral("drop")), {});
    expectNothingLeft(result, QStringLiteral("drop"));
}

TEST_F(DownloadTest, NotFoundNamesUrlAndStatus)
{
    const Expected<QString> result = downloadBlocking(spec(QStringLiteral("missing")), {});
    expectNothingLeft(result, QStringLiteral("missing"));
    EXPECT_NE(result.message().find("404"), std::string::npos) << result.message();
}

TEST_F(DownloadTest, ServerErrorNamesStatus)
{
    const Expected<QString> result = downloadBlocking(spec(QStringLiteral("broken")), {});
    expectNothingLeft(result, QStringLiteral("broken"));
    EXPECT_NE(result.message().find("500"), std::string::npos) << result.message();
}

TEST_F(DownloadTest, MirrorFromEnvironmentReplacesUrlBase)
{
    const QString mirror = mServer.base() + QStringLiteral("/mirror/");
    qputenv("CONVLENS_WEIGHTS_MIRROR", mirror.toLocal8Bit());
    // The registry URL would 404; the mirror serves the file.
    const Expected<QString> path = downloadBlocking(spec(QStringLiteral("missing")), {});
    ASSERT_TRUE(path.ok()) << path.message();
    EXPECT_EQ(mServer.requests, QStringList{QStringLiteral("/mirror/") + fixture().file});
}

TEST_F(DownloadTest, MirrorFromSettingsReplacesUrlBase)
{
    WeightDownloader::setMirror(mServer.base() + QStringLiteral("/mirror"));
    const WeightsSpec w = spec(QStringLiteral("missing"));
    EXPECT_EQ(WeightDownloader::downloadUrl(w).toString(),
              mServer.base() + QStringLiteral("/mirror/") + fixture().file);
    const Expected<QString> path = downloadBlocking(w, {});
    WeightDownloader::setMirror(QString());
    ASSERT_TRUE(path.ok()) << path.message();
    EXPECT_EQ(mServer.requests, QStringList{QStringLiteral("/mirror/") + fixture().file});
}

TEST_F(DownloadTest, CancelLeavesNoFile)
{
    WeightDownloader downloader;
    QEventLoop loop;
    bool finished = false;
    DownloadResult result;
    qint64 receivedAtCancel = 0;
    bool finalFileDuringDownload = false;
    QObject::connect(&downloader, &WeightDownloader::progress, &loop, [&](qint64 received, qint64, double) {
        receivedAtCancel = received;
        finalFileDuringDownload = QFile::exists(QDir(mDownloads()).filePath(fixture().file));
        downloader.cancel();
    });
    QObject::connect(&downloader, &WeightDownloader::finished, &loop, [&](const DownloadResult& r) {
        result = r;
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);  // a hang fails below instead of blocking ctest
    downloader.start(spec(QStringLiteral("stall")));
    EXPECT_TRUE(downloader.isRunning());
    loop.exec();
    ASSERT_TRUE(finished);
    EXPECT_FALSE(downloader.isRunning());
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.error.contains(QStringLiteral("cancelled"))) << result.error.toStdString();
    EXPECT_TRUE(result.error.contains(fixture().file)) << result.error.toStdString();
    // Cancelled mid-body: bytes had arrived, and the destination never existed before verification. (QSaveFile
    // may use an unnamed O_TMPFILE, so the temporary file need not show in the folder.)
    EXPECT_GT(receivedAtCancel, 0);
    EXPECT_LT(receivedAtCancel, fixture().bytes.size());
    EXPECT_FALSE(finalFileDuringDownload);
    EXPECT_TRUE(leftovers().isEmpty()) << leftovers().join(QStringLiteral(", ")).toStdString();
}

TEST_F(DownloadTest, NoUrlAndNoMirrorIsAnError)
{
    WeightsSpec w = spec(QStringLiteral("ok"));
    w.url.clear();
    const Expected<QString> result = downloadBlocking(w, {});
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.message().find(w.file), std::string::npos) << result.message();
    EXPECT_NE(result.message().find("CONVLENS_WEIGHTS_MIRROR"), std::string::npos) << result.message();
}

TEST(VerifyWeightsFile, ChecksPrefixAndFullDigest)
{
    ASSERT_FALSE(fixture().bytes.isEmpty());
    const QString path = kFixtureDir + QLatin1Char('/') + fixture().file;
    WeightsSpec w;
    w.file = fixture().file.toStdString();
    w.sha256Prefix = fixture().sha256.left(8).toStdString();
    EXPECT_TRUE(verifyWeightsFile(path, w).ok());
    w.sha256 = fixture().sha256.toStdString();
    EXPECT_TRUE(verifyWeightsFile(path, w).ok());

    w.sha256.clear();
    w.sha256Prefix = w.sha256Prefix == "00000000" ? "11111111" : "00000000";
    const Expected<void> wrong = verifyWeightsFile(path, w);
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.message().find(path.toStdString()), std::string::npos) << wrong.message();
    EXPECT_NE(wrong.message().find(fixture().sha256.toStdString()), std::string::npos) << wrong.message();

    const Expected<void> missing = verifyWeightsFile(path + QStringLiteral(".absent"), w);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("cannot read"), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace convlens

// The downloader and the loopback server need a running Qt event loop, hence a QCoreApplication.
int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
