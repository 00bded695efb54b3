// WeightsPanel against the loopback HTTP server of tests/weights/loopbackserver.h (same thread: the test's event
// loop drives the server, the WeightDownloader and the widgets). Downloads go to a temporary CONVLENS_WEIGHTS_DIR;
// TORCH_HOME and XDG_CACHE_HOME point into it as well, so a real torch cache never changes the outcome.
// Screenshots of the panel (light and dark palette, one row mid-download) go to <build>/screenshots.

#include "ui/weightspanel.h"
#include "core/weights/weightdownloader.h"
#include "tests/ui/scopedenv.h"
#include "tests/weights/loopbackserver.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest/QTest>

#include <gtest/gtest.h>

namespace convlens {
namespace {

using test::downloadFixture;

constexpr int kWaitMs = 20000;  // a hang fails the test instead of blocking ctest

QString screenshotDir()
{
    const QString dir = QDir::cleanPath(QStringLiteral(CONVLENS_FIXTURE_DIR "/../screenshots"));
    QDir().mkpath(dir);
    return dir;
}

QString mib(qint64 bytes)
{
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1);
}

class WeightsPanelTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(downloadFixture().bytes.isEmpty())
            << "fixture missing in " << test::downloadFixtureDir().toStdString();
        ASSERT_TRUE(mServer.listening());
        ASSERT_TRUE(mDir.isValid());
        mEnv.set("CONVLENS_WEIGHTS_DIR", store().toLocal8Bit());
        mEnv.set("TORCH_HOME", (mDir.path() + QStringLiteral("/torch")).toLocal8Bit());
        mEnv.set("XDG_CACHE_HOME", (mDir.path() + QStringLiteral("/cache")).toLocal8Bit());
        mEnv.set("CONVLENS_WEIGHTS_MIRROR", std::nullopt);
        WeightDownloader::setMirror(QString());
        mPanel.resize(1100, 360);
    }

    QString store() const { return mDir.path() + QStringLiteral("/weights"); }
    QString storedFile() const { return QDir(store()).filePath(downloadFixture().file); }
    QStringList leftovers() const
    {
        return QDir(store()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    }

    // The fixture checkpoint served from /<mode>/, and a second model whose file is never anywhere.
    std::vector<ModelSpec> models(const QString& mode) const
    {
        ModelSpec tiny;
        tiny.id = "tiny";
        tiny.displayName = "Tiny Net";
        tiny.weights = mServer.weights(mode);
        ModelSpec other;
        other.id = "other";
        other.displayName = "Other Net";
        other.weights.file = "other-0123abcd.pth";
        other.weights.url = (mServer.base() + QStringLiteral("/missing/other-0123abcd.pth")).toStdString();
        other.weights.sha256Prefix = "0123abcd";
        return {tiny, other};
    }

    template <typename T>
    T* widget(const char* what, const QString& id)
    {
        return mPanel.findChild<T*>(QLatin1String(what) + QLatin1Char(':') + id);
    }
    QPushButton* downloadButton() { return widget<QPushButton>("download", QStringLiteral("tiny")); }
    QProgressBar* progressBar() { return widget<QProgressBar>("progress", QStringLiteral("tiny")); }

    bool waitUntilIdle()
    {
        return QTest::qWaitFor([this] { return !mPanel.isDownloading(QStringLiteral("tiny")); }, kWaitMs);
    }

    test::LoopbackServer mServer;
    QTemporaryDir mDir;
    test::ScopedEnv mEnv;
    AppSettings mSettings;  // the session's settings in the application: the panel edits them in place
    WeightsPanel mPanel;
};

TEST_F(WeightsPanelTest, RowsSayWhereEachFileIsAndWhereItComesFrom)
{
    ASSERT_TRUE(QDir().mkpath(store()));
    ASSERT_TRUE(QFile::copy(test::downloadFixtureDir() + QLatin1Char('/') + downloadFixture().file, storedFile()));
    mPanel.setModels(models(QStringLiteral("ok")), &mSettings);

    const QString found = mPanel.statusText(QStringLiteral("tiny"));
    EXPECT_TRUE(found.startsWith(QStringLiteral("Found"))) << found.toStdString();
    EXPECT_TRUE(found.contains(downloadFixture().file)) << found.toStdString();
    const QString missing = mPanel.statusText(QStringLiteral("other"));
    EXPECT_TRUE(missing.startsWith(QStringLiteral("Missing"))) << missing.toStdString();
    EXPECT_TRUE(missing.contains(QStringLiteral("other-0123abcd.pth"))) << missing.toStdString();
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("unknown")).isEmpty());

    auto* table = mPanel.findChild<QTableWidget*>();
    ASSERT_NE(table, nullptr);
    ASSERT_EQ(table->rowCount(), 2);
    EXPECT_EQ(table->item(0, 2)->text(), mServer.url(QStringLiteral("ok")));
    // The full path is in the tooltip; the cell elides it.
    EXPECT_EQ(table->item(0, 1)->toolTip(), QDir::toNativeSeparators(storedFile()));
    EXPECT_TRUE(table->item(1, 1)->toolTip().contains(store())) << table->item(1, 1)->toolTip().toStdString();

    // Nothing to download for a file on disk; the missing one can be fetched, or explored untrained.
    EXPECT_FALSE(downloadButton()->isEnabled());
    EXPECT_TRUE(widget<QPushButton>("download", QStringLiteral("other"))->isEnabled());
    EXPECT_FALSE(widget<QCheckBox>("untrained", QStringLiteral("tiny"))->isEnabled());
    EXPECT_TRUE(widget<QCheckBox>("untrained", QStringLiteral("other"))->isEnabled());
    EXPECT_TRUE(mPanel.findChild<QLabel*>(QStringLiteral("summary"))->text().startsWith(QStringLiteral("1 of 2")));

    // A mirror changes where the file comes from, once the panel re-reads.
    mEnv.set("CONVLENS_WEIGHTS_MIRROR", (mServer.base() + QStringLiteral("/mirror")).toLocal8Bit());
    mPanel.refresh();
    EXPECT_EQ(table->item(0, 2)->text(), mServer.url(QStringLiteral("mirror")));
}

TEST_F(WeightsPanelTest, DownloadShowsMonotonicProgressThenTheFileIsFound)
{
    // The registry URL would 404: the mirror serves the file.
    mEnv.set("CONVLENS_WEIGHTS_MIRROR", (mServer.base() + QStringLiteral("/mirror")).toLocal8Bit());
    mPanel.setModels(models(QStringLiteral("missing")), &mSettings);
    mPanel.show();
    ASSERT_TRUE(mPanel.statusText(QStringLiteral("tiny")).startsWith(QStringLiteral("Missing")));
    ASSERT_TRUE(downloadButton()->isEnabled());

    QSignalSpy changed(&mPanel, &WeightsPanel::weightsChanged);
    QSignalSpy failed(&mPanel, &WeightsPanel::downloadFailed);
    QTest::mouseClick(downloadButton(), Qt::LeftButton);
    ASSERT_TRUE(mPanel.isDownloading(QStringLiteral("tiny")));
    EXPECT_EQ(downloadButton()->text(), QStringLiteral("Cancel"));
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("tiny")).startsWith(QStringLiteral("Downloading")));
    QProgressBar* bar = progressBar();
    ASSERT_NE(bar, nullptr);
    EXPECT_TRUE(bar->isVisible());
    std::vector<int> values;
    QStringList texts;
    QObject::connect(bar, &QProgressBar::valueChanged, bar, [&](int value) {
        values.push_back(value);
        texts.push_back(bar->text());
    });

    ASSERT_TRUE(changed.wait(kWaitMs));
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed.first().first().toString(), QStringLiteral("tiny"));
    EXPECT_TRUE(failed.isEmpty());
    EXPECT_FALSE(mPanel.isDownloading(QStringLiteral("tiny")));

    ASSERT_FALSE(values.empty());
    for (std::size_t i = 1; i < values.size(); ++i)
        EXPECT_GE(values[i], values[i - 1]);
    EXPECT_EQ(values.back(), bar->maximum());
    const QString total = mib(downloadFixture().bytes.size());
    EXPECT_TRUE(texts.back().startsWith(total + QStringLiteral(" / ") + total + QStringLiteral(" MiB · ")))
        << texts.back().toStdString();
    EXPECT_TRUE(texts.back().endsWith(QStringLiteral("/s"))) << texts.back().toStdString();

    const QString status = mPanel.statusText(QStringLiteral("tiny"));
    EXPECT_TRUE(status.startsWith(QStringLiteral("Found"))) << status.toStdString();
    EXPECT_EQ(leftovers(), QStringList{downloadFixture().file});
    QFile file(storedFile());
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(file.readAll(), downloadFixture().bytes);
    EXPECT_EQ(mServer.requests, QStringList{QStringLiteral("/mirror/") + downloadFixture().file});
    EXPECT_EQ(downloadButton()->text(), QStringLiteral("Download"));
    EXPECT_FALSE(downloadButton()->isEnabled());  // nothing left to fetch
    EXPECT_TRUE(QTest::qWaitFor([this] { return progressBar() == nullptr; }, kWaitMs));
}

TEST_F(WeightsPanelTest, DownloadAllFetchesEveryMissingFileOneAfterAnotherAndAFailureStopsOnlyItsOwn)
{
    // The mirror serves tiny's file; other's is nowhere (404).
    mEnv.set("CONVLENS_WEIGHTS_MIRROR", (mServer.base() + QStringLiteral("/mirror")).toLocal8Bit());
    mPanel.setModels(models(QStringLiteral("missing")), &mSettings);
    mPanel.show();
    auto* all = mPanel.findChild<QPushButton*>(QStringLiteral("downloadAll"));
    ASSERT_NE(all, nullptr);
    EXPECT_TRUE(all->isVisible());
    EXPECT_EQ(all->text(), QStringLiteral("Download all missing (2)"));

    QSignalSpy changed(&mPanel, &WeightsPanel::weightsChanged);
    QSignalSpy failed(&mPanel, &WeightsPanel::downloadFailed);
    QTest::mouseClick(all, Qt::LeftButton);
    EXPECT_TRUE(mPanel.isDownloading(QStringLiteral("tiny")));
    EXPECT_FALSE(mPanel.isDownloading(QStringLiteral("other"))) << "one at a time";
    EXPECT_EQ(mPanel.queuedDownloads(), QStringList{QStringLiteral("other")});
    EXPECT_EQ(all->text(), QStringLiteral("Cancel downloads"));

    ASSERT_TRUE(QTest::qWaitFor([&] { return changed.size() + failed.size() == 2; }, kWaitMs));
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed.first().first().toString(), QStringLiteral("tiny"));
    ASSERT_EQ(failed.size(), 1);
    EXPECT_EQ(failed.first().first().toString(), QStringLiteral("other"));
    EXPECT_TRUE(failed.first().at(1).toString().contains(QStringLiteral("other-0123abcd.pth")))
        << failed.first().at(1).toString().toStdString();
    EXPECT_EQ(mServer.requests, (QStringList{QStringLiteral("/mirror/") + downloadFixture().file,
                                             QStringLiteral("/mirror/other-0123abcd.pth")}))
        << "in order, the second after the first";
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("tiny")).startsWith(QStringLiteral("Found")));
    EXPECT_TRUE(mPanel.queuedDownloads().isEmpty());
    EXPECT_EQ(all->text(), QStringLiteral("Download all missing (1)")) << "the failed one can be tried again";

    // Cancel downloads: the running one (a stalled transfer) stops, the rest is dropped, no error.
    ASSERT_TRUE(QFile::remove(storedFile()));
    mEnv.set("CONVLENS_WEIGHTS_MIRROR", std::nullopt);
    mPanel.setModels(models(QStringLiteral("stall")), &mSettings);
    failed.clear();
    EXPECT_EQ(mPanel.downloadAllMissing(), 2);
    ASSERT_TRUE(mPanel.isDownloading(QStringLiteral("tiny")));
    QTest::mouseClick(all, Qt::LeftButton);
    ASSERT_TRUE(waitUntilIdle());
    EXPECT_FALSE(mPanel.isDownloading(QStringLiteral("other"))) << "the queue was dropped";
    EXPECT_TRUE(mPanel.queuedDownloads().isEmpty());
    EXPECT_TRUE(failed.isEmpty());
    EXPECT_EQ(all->text(), QStringLiteral("Download all missing (2)"));
}

TEST_F(WeightsPanelTest, TamperedDownloadIsAnErrorAndLeavesNoFile)
{
    mPanel.setModels(models(QStringLiteral("tampered")), &mSettings);
    QSignalSpy changed(&mPanel, &WeightsPanel::weightsChanged);
    QSignalSpy failed(&mPanel, &WeightsPanel::downloadFailed);
    ASSERT_TRUE(mPanel.startDownload(QStringLiteral("tiny")));
    ASSERT_TRUE(failed.wait(kWaitMs));
    ASSERT_EQ(failed.size(), 1);
    EXPECT_EQ(failed.first().at(0).toString(), QStringLiteral("tiny"));
    const QString message = failed.first().at(1).toString();
    EXPECT_TRUE(message.contains(downloadFixture().file)) << message.toStdString();
    EXPECT_TRUE(message.contains(mServer.url(QStringLiteral("tampered")))) << message.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("sha256"))) << message.toStdString();
    EXPECT_TRUE(changed.isEmpty());
    EXPECT_FALSE(mPanel.isDownloading(QStringLiteral("tiny")));
    EXPECT_TRUE(leftovers().isEmpty()) << leftovers().join(QStringLiteral(", ")).toStdString();

    // The row says so, and another try is possible.
    const QString status = mPanel.statusText(QStringLiteral("tiny"));
    EXPECT_TRUE(status.startsWith(QStringLiteral("Failed"))) << status.toStdString();
    EXPECT_TRUE(status.contains(QStringLiteral("sha256"))) << status.toStdString();
    EXPECT_TRUE(downloadButton()->isEnabled());
    EXPECT_EQ(downloadButton()->text(), QStringLiteral("Download"));
}

TEST_F(WeightsPanelTest, CancelLeavesNoFileAndIsNoError)
{
    mSettings.untrainedAllowed = {QStringLiteral("other")};
    mSettings.weightsFiles.insert(QStringLiteral("other"),
                                  test::downloadFixtureDir() + QLatin1Char('/') + downloadFixture().file);
    mPanel.setModels(models(QStringLiteral("stall")), &mSettings);
    mPanel.show();
    QSignalSpy changed(&mPanel, &WeightsPanel::weightsChanged);
    QSignalSpy failed(&mPanel, &WeightsPanel::downloadFailed);
    QTest::mouseClick(downloadButton(), Qt::LeftButton);
    ASSERT_NE(progressBar(), nullptr);
    // The server sends half the body, then nothing.
    ASSERT_TRUE(QTest::qWaitFor([this] { return progressBar()->value() > 0; }, kWaitMs));
    EXPECT_LT(progressBar()->value(), progressBar()->maximum());
    EXPECT_TRUE(progressBar()->text().contains(QStringLiteral(" MiB · "))) << progressBar()->text().toStdString();
    EXPECT_FALSE(QFile::exists(storedFile()));

    // For a look: a row mid-download, a user file row, in the light and the dark palette.
    ASSERT_TRUE(mPanel.grab().save(screenshotDir() + QStringLiteral("/weightspanel-downloading.png")));

    QTest::mouseClick(downloadButton(), Qt::LeftButton);  // now "Cancel"
    ASSERT_TRUE(waitUntilIdle());
    QTest::qWait(50);  // anything emitted late would show up now
    EXPECT_TRUE(failed.isEmpty());
    EXPECT_TRUE(changed.isEmpty());
    EXPECT_TRUE(leftovers().isEmpty()) << leftovers().join(QStringLiteral(", ")).toStdString();
    const QString status = mPanel.statusText(QStringLiteral("tiny"));
    EXPECT_TRUE(status.startsWith(QStringLiteral("Missing"))) << status.toStdString();
    EXPECT_EQ(downloadButton()->text(), QStringLiteral("Download"));
    EXPECT_TRUE(downloadButton()->isEnabled());
}

TEST_F(WeightsPanelTest, StartDownloadRefusesUnknownModelsAndASecondStart)
{
    mPanel.setModels(models(QStringLiteral("stall")), &mSettings);
    EXPECT_FALSE(mPanel.startDownload(QStringLiteral("nonexistent")));
    EXPECT_TRUE(mPanel.startDownload(QStringLiteral("tiny")));
    EXPECT_FALSE(mPanel.startDownload(QStringLiteral("tiny")));
    EXPECT_TRUE(mPanel.isDownloading(QStringLiteral("tiny")));
    EXPECT_FALSE(mPanel.isDownloading(QStringLiteral("other")));
    mPanel.cancelDownload(QStringLiteral("tiny"));
    ASSERT_TRUE(waitUntilIdle());
    EXPECT_TRUE(leftovers().isEmpty()) << leftovers().join(QStringLiteral(", ")).toStdString();
}

TEST_F(WeightsPanelTest, LoadFileIsRecordedInTheSettingsAndCanBeForgotten)
{
    mPanel.setModels(models(QStringLiteral("ok")), &mSettings);
    QSignalSpy changed(&mPanel, &WeightsPanel::weightsChanged);

    const QString absent = mDir.path() + QStringLiteral("/absent.pth");
    EXPECT_FALSE(mPanel.setUserFile(QStringLiteral("tiny"), absent));
    EXPECT_TRUE(changed.isEmpty());
    EXPECT_TRUE(mSettings.weightsFiles.isEmpty());
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("tiny")).contains(absent));
    EXPECT_FALSE(mPanel.setUserFile(QStringLiteral("tiny"), mDir.path()));  // a folder
    EXPECT_FALSE(mPanel.setUserFile(QStringLiteral("nonexistent"), absent));

    const QString mine = test::downloadFixtureDir() + QLatin1Char('/') + downloadFixture().file;
    ASSERT_TRUE(mPanel.setUserFile(QStringLiteral("tiny"), mine));
    // Recorded in the one settings object the panel was given, not in a copy of its own.
    EXPECT_EQ(mSettings.weightsFiles.value(QStringLiteral("tiny")), QFileInfo(mine).absoluteFilePath());
    EXPECT_EQ(&mPanel.settings(), &mSettings);
    ASSERT_EQ(changed.size(), 1);
    EXPECT_EQ(changed.first().first().toString(), QStringLiteral("tiny"));
    const QString status = mPanel.statusText(QStringLiteral("tiny"));
    EXPECT_TRUE(status.startsWith(QStringLiteral("Your file"))) << status.toStdString();
    auto* forget = widget<QToolButton>("forget", QStringLiteral("tiny"));
    ASSERT_NE(forget, nullptr);
    EXPECT_FALSE(forget->isHidden());
    EXPECT_TRUE(widget<QToolButton>("forget", QStringLiteral("other"))->isHidden());

    QTest::mouseClick(forget, Qt::LeftButton);
    EXPECT_EQ(changed.size(), 2);
    EXPECT_TRUE(mSettings.weightsFiles.isEmpty());
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("tiny")).startsWith(QStringLiteral("Missing")));
    EXPECT_TRUE(forget->isHidden());
}

TEST_F(WeightsPanelTest, ExploringUntrainedIsAnExplicitChoice)
{
    mPanel.setModels(models(QStringLiteral("ok")), &mSettings);
    mPanel.show();
    QSignalSpy settingsSpy(&mPanel, &WeightsPanel::weightsChanged);
    auto* box = widget<QCheckBox>("untrained", QStringLiteral("other"));
    ASSERT_NE(box, nullptr);
    EXPECT_FALSE(box->isChecked());
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("other")).startsWith(QStringLiteral("Missing")));

    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
    ASSERT_EQ(settingsSpy.size(), 1);
    EXPECT_EQ(mSettings.untrainedAllowed, QStringList{QStringLiteral("other")});
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("other")).startsWith(QStringLiteral("Untrained")));
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("tiny")).startsWith(QStringLiteral("Missing")));

    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
    EXPECT_EQ(settingsSpy.size(), 2);
    EXPECT_TRUE(mSettings.untrainedAllowed.isEmpty());
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("other")).startsWith(QStringLiteral("Missing")));

    // refresh() after the settings changed elsewhere (e.g. the settings dialog) shows them.
    mSettings.untrainedAllowed = {QStringLiteral("other")};
    mPanel.refresh();
    EXPECT_TRUE(box->isChecked());
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("other")).startsWith(QStringLiteral("Untrained")));
    EXPECT_EQ(settingsSpy.size(), 2);  // not an edit of the user's
}

// A panel as the application shows it: real model names and URLs, every kind of row. Saved for a look, in the
// light and the dark palette; the check is that every row's widgets fit in their cells.
TEST_F(WeightsPanelTest, RendersEveryKindOfRow)
{
    ASSERT_TRUE(QDir().mkpath(store()));
    const auto spec = [](const char* id, const char* name, const char* file) {
        ModelSpec m;
        m.id = id;
        m.displayName = name;
        m.weights.file = file;
        m.weights.url = std::string("https://download.pytorch.org/models/") + file;
        return m;
    };
    std::vector<ModelSpec> models = {
        spec("resnet50", "ResNet-50", "resnet50-11ad3fa6.pth"),
        spec("mobilenet_v3_large", "MobileNet V3 Large", "mobilenet_v3_large-5c1a4163.pth"),
        spec("efficientnet_b0", "EfficientNet-B0", "efficientnet_b0_rwightman-7f5810bc.pth"),
        spec("densenet121", "DenseNet-121", "densenet121-a639ec97.pth"),
        spec("convnext_tiny", "ConvNeXt-Tiny", "convnext_tiny-983f1562.pth"),
    };
    QFile present(store() + QStringLiteral("/resnet50-11ad3fa6.pth"));
    ASSERT_TRUE(present.open(QIODevice::WriteOnly));
    present.close();
    mSettings.weightsFiles.insert(QStringLiteral("mobilenet_v3_large"),
                                  test::downloadFixtureDir() + QLatin1Char('/') + downloadFixture().file);
    mSettings.untrainedAllowed = {QStringLiteral("densenet121")};
    mPanel.setModels(models, &mSettings);
    mPanel.resize(1180, 330);
    mPanel.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&mPanel));

    EXPECT_TRUE(mPanel.statusText(QStringLiteral("resnet50")).startsWith(QStringLiteral("Found")));
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("mobilenet_v3_large")).startsWith(QStringLiteral("Your file")));
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("densenet121")).startsWith(QStringLiteral("Untrained")));
    EXPECT_TRUE(mPanel.statusText(QStringLiteral("convnext_tiny")).startsWith(QStringLiteral("Missing")));

    auto* table = mPanel.findChild<QTableWidget*>();
    ASSERT_NE(table, nullptr);
    for (int row = 0; row < table->rowCount(); ++row) {
        for (int column : {0, 3}) {
            QWidget* cell = table->cellWidget(row, column);
            ASSERT_NE(cell, nullptr);
            for (QWidget* child : cell->findChildren<QWidget*>()) {
                if (child->isHidden())
                    continue;
                const QRect inCell(child->mapTo(cell, QPoint(0, 0)), child->size());
                EXPECT_TRUE(cell->rect().contains(inCell))
                    << "row " << row << " column " << column << ": " << child->metaObject()->className() << " "
                    << child->objectName().toStdString();
            }
        }
    }
    ASSERT_TRUE(mPanel.grab().save(screenshotDir() + QStringLiteral("/weightspanel.png")));

    // A dark palette the way platforms derive one: every role and the disabled group from two colours.
    QPalette dark(QColor(0x3a, 0x3a, 0x3e), QColor(0x2b, 0x2b, 0x2e));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x20));
    dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x29));
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0xa0));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    mPanel.setPalette(dark);
    mPanel.refresh();
    ASSERT_TRUE(mPanel.grab().save(screenshotDir() + QStringLiteral("/weightspanel-dark.png")));
}

}  // namespace
}  // namespace convlens
