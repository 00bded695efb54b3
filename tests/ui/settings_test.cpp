// AppSettings through QSettings (the test main gives the tests their own organisation, so the user's settings are
// never touched), resolveWeights' order of choices as the settings express them, and SettingsDialog's fields both
// ways.

#include "core/inspect/methodcatalogue.h"
#include "core/session/appsettings.h"
#include "core/weights/weightsresolver.h"
#include "tests/ui/scopedenv.h"
#include "ui/settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest/QTest>

#include <gtest/gtest.h>

namespace convlens {
namespace {


// Every field away from its default.
AppSettings unusualSettings()
{
    AppSettings s;
    s.threads = 3;
    s.device = QStringLiteral("cuda:1");
    s.cacheItems = 250;
    s.diskCache = false;
    s.topK = 7;
    s.tilesPerLayer = 0;
    s.colormap = QStringLiteral("viridis");
    s.method = QStringLiteral("scorecam");
    s.weightsDir = QStringLiteral("/data/weights");
    s.mirror = QStringLiteral("https://mirror.example.org/models");
    s.recentFiles = {QStringLiteral("/photos/b.jpg"), QStringLiteral("/photos/a.png")};
    s.selectedModels = {QStringLiteral("resnet50"), QStringLiteral("convnext_tiny")};
    s.weightsFiles = {{QStringLiteral("resnet18"), QStringLiteral("/models/ft 10 classes.pth")},
                      {QStringLiteral("alexnet"), QStringLiteral("/models/a.pt")}};
    s.untrainedAllowed = {QStringLiteral("densenet121")};
    s.methodOptions.eigenSmooth = true;
    s.methodOptions.integratedGradientsSteps = 48;
    s.methodOptions.integratedGradientsBaseline = "mean";
    s.methodOptions.occlusionWindow = 24;
    s.methodOptions.occlusionStride = 12;
    s.methodOptions.road = true;
    return s;
}

void expectSame(const AppSettings& a, const AppSettings& b)
{
    EXPECT_EQ(a.threads, b.threads);
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.cacheItems, b.cacheItems);
    EXPECT_EQ(a.diskCache, b.diskCache);
    EXPECT_EQ(a.topK, b.topK);
    EXPECT_EQ(a.tilesPerLayer, b.tilesPerLayer);
    EXPECT_EQ(a.colormap, b.colormap);
    EXPECT_EQ(a.method, b.method);
    EXPECT_EQ(a.weightsDir, b.weightsDir);
    EXPECT_EQ(a.mirror, b.mirror);
    EXPECT_EQ(a.recentFiles, b.recentFiles);
    EXPECT_EQ(a.selectedModels, b.selectedModels);
    EXPECT_EQ(a.weightsFiles, b.weightsFiles);
    EXPECT_EQ(a.untrainedAllowed, b.untrainedAllowed);
    EXPECT_EQ(a.methodOptions.augSmooth, b.methodOptions.augSmooth);
    EXPECT_EQ(a.methodOptions.eigenSmooth, b.methodOptions.eigenSmooth);
    EXPECT_EQ(a.methodOptions.integratedGradientsSteps, b.methodOptions.integratedGradientsSteps);
    EXPECT_EQ(a.methodOptions.integratedGradientsBaseline, b.methodOptions.integratedGradientsBaseline);
    EXPECT_EQ(a.methodOptions.occlusionWindow, b.methodOptions.occlusionWindow);
    EXPECT_EQ(a.methodOptions.occlusionStride, b.methodOptions.occlusionStride);
    EXPECT_EQ(a.methodOptions.road, b.methodOptions.road);
}

class SettingsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        QSettings().clear();
        mEnvDir = qgetenv("CONVLENS_WEIGHTS_DIR");
        mHadEnvDir = qEnvironmentVariableIsSet("CONVLENS_WEIGHTS_DIR");
    }
    void TearDown() override
    {
        QSettings().clear();
        if (mHadEnvDir)
            qputenv("CONVLENS_WEIGHTS_DIR", mEnvDir);
        else
            qunsetenv("CONVLENS_WEIGHTS_DIR");
    }

    QByteArray mEnvDir;
    bool mHadEnvDir = false;
};

TEST_F(SettingsTest, UsesTheTestScopeNotTheUsers)
{
    EXPECT_EQ(QSettings().organizationName(), QStringLiteral("ConvLensTests"));
}

TEST_F(SettingsTest, EmptyStoreGivesDefaults)
{
    expectSame(AppSettings::load(), AppSettings{});
}

TEST_F(SettingsTest, RoundTripsEveryField)
{
    const AppSettings saved = unusualSettings();
    saved.save();
    expectSame(AppSettings::load(), saved);
}

TEST_F(SettingsTest, OutOfRangeOrForeignValuesFallBackToDefaults)
{
    {
        QSettings store;
        store.setValue(QStringLiteral("inference/threads"), -4);
        store.setValue(QStringLiteral("view/topK"), QStringLiteral("many"));
        store.setValue(QStringLiteral("view/tilesPerLayer"), -1);
        store.setValue(QStringLiteral("view/colormap"), QStringLiteral("plaid"));
        store.setValue(QStringLiteral("cache/items"), 12);
        store.setValue(QStringLiteral("view/method"), QStringLiteral("removedcam"));
    }
    const AppSettings loaded = AppSettings::load();
    const AppSettings defaults;
    EXPECT_EQ(loaded.threads, defaults.threads);
    EXPECT_EQ(loaded.topK, defaults.topK);
    EXPECT_EQ(loaded.tilesPerLayer, defaults.tilesPerLayer);
    EXPECT_EQ(loaded.colormap, defaults.colormap);
    EXPECT_EQ(loaded.method, defaults.method);
    EXPECT_EQ(loaded.cacheItems, 12);  // a valid value is kept
}

TEST_F(SettingsTest, TheCacheFollowsTheSettingsUnlessTheEnvironmentSaysOtherwise)
{
    const QByteArray items = qgetenv("CACHE_MAX_ITEMS");
    const QByteArray disk = qgetenv("CACHE_DISK");
    qunsetenv("CACHE_MAX_ITEMS");
    qunsetenv("CACHE_DISK");
    AppSettings s;
    s.cacheItems = 7;
    s.diskCache = true;
    EXPECT_EQ(s.cacheConfig(true).maxItems, 7);
    EXPECT_FALSE(s.cacheConfig(true).diskDirectory.isEmpty());
    EXPECT_TRUE(s.cacheConfig(false).diskDirectory.isEmpty()) << "not persistent: memory only";
    s.diskCache = false;
    EXPECT_TRUE(s.cacheConfig(true).diskDirectory.isEmpty());
    s.cacheItems = 0;
    EXPECT_EQ(s.cacheConfig(true).maxItems, 1) << "at least the result shown";
    qputenv("CACHE_MAX_ITEMS", "3");
    EXPECT_EQ(s.cacheConfig(true).maxItems, 3);
    items.isNull() ? qunsetenv("CACHE_MAX_ITEMS") : qputenv("CACHE_MAX_ITEMS", items);
    disk.isNull() ? qunsetenv("CACHE_DISK") : qputenv("CACHE_DISK", disk);
}

TEST_F(SettingsTest, RecentFilesAreUniqueNewestFirstAndAtMostTen)
{
    AppSettings s;
    for (int i = 0; i < 12; ++i)
        s.addRecentFile(QStringLiteral("/photos/%1.jpg").arg(i));
    ASSERT_EQ(s.recentFiles.size(), 10);
    EXPECT_EQ(s.recentFiles.first(), QStringLiteral("/photos/11.jpg"));
    EXPECT_EQ(s.recentFiles.last(), QStringLiteral("/photos/2.jpg"));

    s.addRecentFile(QStringLiteral("/photos/../photos/5.jpg"));  // the same file, spelt differently
    ASSERT_EQ(s.recentFiles.size(), 10);
    EXPECT_EQ(s.recentFiles.first(), QStringLiteral("/photos/5.jpg"));
    EXPECT_EQ(s.recentFiles.count(QStringLiteral("/photos/5.jpg")), 1);
}

// resolveWeights: "Load file…" choice, else weights.path, else the WeightStore, else Untrained if allowed, else
// Missing with a message that says what to do.
class ResolveWeightsTest : public SettingsTest {
protected:
    void SetUp() override
    {
        SettingsTest::SetUp();
        ASSERT_TRUE(mDir.isValid());
        ASSERT_TRUE(QDir().mkpath(store()));
        // Only the test's folder: a real torch cache in the home folder must not change the outcome.
        mEnv.set("CONVLENS_WEIGHTS_DIR", store().toLocal8Bit());
        mEnv.set("TORCH_HOME", (mDir.path() + QStringLiteral("/torch")).toLocal8Bit());
        mEnv.set("XDG_CACHE_HOME", (mDir.path() + QStringLiteral("/cache")).toLocal8Bit());
        mSpec.id = "resnet18";
        mSpec.displayName = "ResNet-18";
        mSpec.weights.file = "resnet18-f37072fd.pth";
        mSpec.weights.url = "https://download.pytorch.org/models/resnet18-f37072fd.pth";
        mSpec.weights.sha256Prefix = "f37072fd";
    }

    QString store() const { return mDir.path() + QStringLiteral("/store"); }
    QString write(const QString& path) const
    {
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::WriteOnly)) << path.toStdString();
        file.write("not really a checkpoint");
        return QFileInfo(path).absoluteFilePath();
    }

    QTemporaryDir mDir;
    test::ScopedEnv mEnv;
    ModelSpec mSpec;
};

TEST_F(ResolveWeightsTest, MissingSaysWhichFileWhereAndFromWhere)
{
    const WeightsStatus status = resolveWeights(mSpec, AppSettings{}.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(status.kind, WeightsStatus::Kind::Missing);
    EXPECT_TRUE(status.path.isEmpty());
    EXPECT_TRUE(status.message.contains(QStringLiteral("resnet18-f37072fd.pth"))) << status.message.toStdString();
    EXPECT_TRUE(status.message.contains(QString::fromStdString(mSpec.weights.url))) << status.message.toStdString();
    EXPECT_TRUE(status.message.contains(store())) << status.message.toStdString();
}

TEST_F(ResolveWeightsTest, UntrainedOnlyWhenAllowed)
{
    AppSettings s;
    s.untrainedAllowed = {QStringLiteral("alexnet")};
    EXPECT_EQ(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).kind, WeightsStatus::Kind::Missing);
    s.untrainedAllowed.push_back(QStringLiteral("resnet18"));
    const WeightsStatus status = resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(status.kind, WeightsStatus::Kind::Untrained);
    EXPECT_TRUE(status.path.isEmpty());
}

TEST_F(ResolveWeightsTest, StoreFileBeatsUntrained)
{
    const QString path = write(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    AppSettings s;
    s.untrainedAllowed = {QStringLiteral("resnet18")};
    const WeightsStatus status = resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(status.kind, WeightsStatus::Kind::Found);
    EXPECT_EQ(status.path, path);
}

TEST_F(ResolveWeightsTest, LocalPathBeatsStore)
{
    write(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    const QString local = write(mDir.path() + QStringLiteral("/local.pth"));
    mSpec.weights.path = local.toStdString();
    EXPECT_EQ(resolveWeights(mSpec, AppSettings{}.weightsChoice(QStringLiteral("resnet18"))).path, local);

    // An unreadable weights.path falls back to the store, and without one the message names the path.
    mSpec.weights.path = (mDir.path() + QStringLiteral("/gone.pth")).toStdString();
    EXPECT_EQ(resolveWeights(mSpec, AppSettings{}.weightsChoice(QStringLiteral("resnet18"))).kind, WeightsStatus::Kind::Found);
    QFile::remove(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    const WeightsStatus missing = resolveWeights(mSpec, AppSettings{}.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(missing.kind, WeightsStatus::Kind::Missing);
    EXPECT_TRUE(missing.message.contains(QStringLiteral("gone.pth"))) << missing.message.toStdString();
}

TEST_F(ResolveWeightsTest, SettingsFolderIsSearchedLastAndTheEnvironmentIsNeverChanged)
{
    const QByteArray environment = qgetenv("CONVLENS_WEIGHTS_DIR");
    const QString folder = mDir.path() + QStringLiteral("/settings folder");
    ASSERT_TRUE(QDir().mkpath(folder));
    AppSettings s;
    s.weightsDir = folder;
    EXPECT_EQ(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).kind, WeightsStatus::Kind::Missing);
    EXPECT_TRUE(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).message.contains(folder));
    const QString inSettings = write(folder + QStringLiteral("/resnet18-f37072fd.pth"));
    EXPECT_EQ(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).path, inSettings);
    const QString inStore = write(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    EXPECT_EQ(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).path, inStore);
    EXPECT_EQ(qgetenv("CONVLENS_WEIGHTS_DIR"), environment);
}

TEST_F(ResolveWeightsTest, UserFileBeatsEverything)
{
    write(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    const QString mine = write(mDir.path() + QStringLiteral("/fine tuned.pth"));
    AppSettings s;
    s.weightsFiles.insert(QStringLiteral("resnet18"), mine);
    s.weightsFiles.insert(QStringLiteral("alexnet"), QStringLiteral("/nowhere.pth"));  // another model's choice
    const WeightsStatus status = resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(status.kind, WeightsStatus::Kind::UserFile);
    EXPECT_EQ(status.path, mine);
}

TEST_F(ResolveWeightsTest, UnreadableUserFileIsMissingNotASilentFallback)
{
    write(store() + QStringLiteral("/resnet18-f37072fd.pth"));
    AppSettings s;
    const QString gone = mDir.path() + QStringLiteral("/deleted.pth");
    s.weightsFiles.insert(QStringLiteral("resnet18"), gone);
    const WeightsStatus status = resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18")));
    EXPECT_EQ(status.kind, WeightsStatus::Kind::Missing);
    EXPECT_TRUE(status.message.contains(gone)) << status.message.toStdString();
    EXPECT_TRUE(status.message.contains(QStringLiteral("no longer exists"))) << status.message.toStdString();

    s.weightsFiles.insert(QStringLiteral("resnet18"), mDir.path());
    EXPECT_TRUE(resolveWeights(mSpec, s.weightsChoice(QStringLiteral("resnet18"))).message.contains(QStringLiteral("is a folder")));
}

template <typename T>
T* field(QWidget& parent, const char* name)
{
    T* widget = parent.findChild<T*>(QLatin1String(name));
    EXPECT_NE(widget, nullptr) << name;
    return widget;
}

TEST(SettingsDialogTest, ShowsTheSettings)
{
    const AppSettings s = unusualSettings();
    SettingsDialog dialog(s);
    EXPECT_EQ(field<QSpinBox>(dialog, "threads")->value(), 3);
    EXPECT_EQ(field<QSpinBox>(dialog, "cacheItems")->value(), 250);
    EXPECT_FALSE(field<QCheckBox>(dialog, "diskCache")->isChecked());
    EXPECT_EQ(field<QSpinBox>(dialog, "topK")->value(), 7);
    EXPECT_EQ(field<QSpinBox>(dialog, "tilesPerLayer")->value(), 0);
    EXPECT_EQ(field<QSpinBox>(dialog, "tilesPerLayer")->text(), QStringLiteral("All channels"));
    EXPECT_EQ(field<QComboBox>(dialog, "colormap")->currentData().toString(), QStringLiteral("viridis"));
    EXPECT_EQ(field<QComboBox>(dialog, "method")->currentData().toString(), QStringLiteral("scorecam"));
    QComboBox* methods = field<QComboBox>(dialog, "method");
    ASSERT_EQ(methods->count(), static_cast<int>(methodCatalogue().size()));
    for (int i = 0; i < methods->count(); ++i) {
        EXPECT_EQ(methods->itemData(i).toString(), methodIds().at(i));
        EXPECT_EQ(methods->itemText(i), methodName(methodIds().at(i)));
    }
    EXPECT_EQ(methods->itemText(methods->findData(QStringLiteral("guidedgradcam"))), QStringLiteral("Guided Grad-CAM"));
    EXPECT_EQ(field<QLineEdit>(dialog, "weightsDir")->text(), QDir::toNativeSeparators(s.weightsDir));
    EXPECT_EQ(field<QLineEdit>(dialog, "mirror")->text(), s.mirror);
    // Untouched fields come back unchanged.
    expectSame(dialog.settings(), s);
}

TEST(SettingsDialogTest, EditedFieldsComeBackAndTheRestIsKept)
{
    const AppSettings s = unusualSettings();
    SettingsDialog dialog(s);
    field<QSpinBox>(dialog, "threads")->setValue(0);
    field<QSpinBox>(dialog, "cacheItems")->setValue(40);
    QTest::mouseClick(field<QCheckBox>(dialog, "diskCache"), Qt::LeftButton);
    field<QSpinBox>(dialog, "topK")->setValue(3);
    field<QSpinBox>(dialog, "tilesPerLayer")->setValue(32);
    QComboBox* colormap = field<QComboBox>(dialog, "colormap");
    colormap->setCurrentIndex(colormap->findData(QStringLiteral("inferno")));
    QComboBox* method = field<QComboBox>(dialog, "method");
    method->setCurrentIndex(method->findData(QStringLiteral("gradcampp")));
    QLineEdit* dir = field<QLineEdit>(dialog, "weightsDir");
    dir->clear();
    QTest::keyClicks(dir, QStringLiteral("/srv/checkpoints "));
    field<QLineEdit>(dialog, "mirror")->setText(QString());
    QTest::mouseClick(field<QCheckBox>(dialog, "augSmooth"), Qt::LeftButton);
    field<QSpinBox>(dialog, "integratedGradientsSteps")->setValue(100);
    QComboBox* baseline = field<QComboBox>(dialog, "integratedGradientsBaseline");
    baseline->setCurrentIndex(baseline->findData(QStringLiteral("blurred")));
    field<QSpinBox>(dialog, "occlusionStride")->setValue(7);

    const AppSettings edited = dialog.settings();
    EXPECT_TRUE(edited.methodOptions.augSmooth);
    EXPECT_TRUE(edited.methodOptions.eigenSmooth) << "untouched";
    EXPECT_EQ(edited.methodOptions.integratedGradientsSteps, 100);
    EXPECT_EQ(edited.methodOptions.integratedGradientsBaseline, "blurred");
    EXPECT_EQ(edited.methodOptions.occlusionWindow, 24);
    EXPECT_EQ(edited.methodOptions.occlusionStride, 7);
    EXPECT_EQ(edited.threads, 0);
    EXPECT_EQ(edited.cacheItems, 40);
    EXPECT_TRUE(edited.diskCache);
    EXPECT_EQ(edited.topK, 3);
    EXPECT_EQ(edited.tilesPerLayer, 32);
    EXPECT_EQ(edited.colormap, QStringLiteral("inferno"));
    EXPECT_EQ(edited.method, QStringLiteral("gradcampp"));
    EXPECT_EQ(edited.weightsDir, QStringLiteral("/srv/checkpoints"));
    EXPECT_EQ(edited.mirror, QString());
    EXPECT_EQ(edited.recentFiles, s.recentFiles);
    EXPECT_EQ(edited.selectedModels, s.selectedModels);
    EXPECT_EQ(edited.weightsFiles, s.weightsFiles);
    EXPECT_EQ(edited.untrainedAllowed, s.untrainedAllowed);
}

TEST(SettingsDialogTest, TheDeviceBoxOffersTheMachinesDevicesAndKeepsAnUnavailableChoiceVisible)
{
    AppSettings s = unusualSettings();  // cuda:1, which this machine lacks
    SettingsDialog dialog(s, {QStringLiteral("cpu"), QStringLiteral("cuda:0")});
    QComboBox* device = field<QComboBox>(dialog, "device");
    ASSERT_EQ(device->count(), 3);
    EXPECT_EQ(device->itemText(0), QStringLiteral("CPU"));
    EXPECT_EQ(device->itemText(1), QStringLiteral("GPU (cuda:0)"));
    EXPECT_EQ(device->currentData().toString(), QStringLiteral("cuda:1"));
    EXPECT_TRUE(device->currentText().contains(QStringLiteral("not available"))) << device->currentText().toStdString();
    EXPECT_EQ(dialog.settings().device, QStringLiteral("cuda:1")) << "untouched, the choice is kept";
    device->setCurrentIndex(1);
    EXPECT_EQ(dialog.settings().device, QStringLiteral("cuda:0"));
    device->setCurrentIndex(0);
    EXPECT_EQ(dialog.settings().device, QStringLiteral("cpu"));
}

TEST(SettingsDialogTest, UnknownMethodFallsBackToTheFirstOffered)
{
    AppSettings s;
    s.method = QStringLiteral("removedcam");
    SettingsDialog dialog(s);
    EXPECT_EQ(dialog.settings().method, methodIds().first());
}

TEST(SettingsDialogTest, RestoreDefaultsKeepsTheWeightsFolder)
{
    const AppSettings s = unusualSettings();
    SettingsDialog dialog(s);
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    ASSERT_NE(buttons, nullptr);
    QTest::mouseClick(buttons->button(QDialogButtonBox::RestoreDefaults), Qt::LeftButton);
    const AppSettings restored = dialog.settings();
    const AppSettings defaults;
    EXPECT_EQ(restored.threads, defaults.threads);
    EXPECT_EQ(restored.topK, defaults.topK);
    EXPECT_EQ(restored.colormap, defaults.colormap);
    EXPECT_EQ(restored.method, defaults.method);
    EXPECT_EQ(restored.mirror, defaults.mirror);
    EXPECT_EQ(restored.weightsDir, s.weightsDir);
}

TEST(SettingsDialogTest, AMalformedMirrorHoldsOkBack)
{
    SettingsDialog dialog(AppSettings{});
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    ASSERT_NE(buttons, nullptr);
    QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
    QLineEdit* mirror = field<QLineEdit>(dialog, "mirror");
    QLabel* hint = field<QLabel>(dialog, "mirrorHint");
    mirror->setText(QStringLiteral("mirror.example.org/models"));
    EXPECT_FALSE(ok->isEnabled());
    EXPECT_TRUE(hint->text().contains(QStringLiteral("URL"))) << hint->text().toStdString();
    mirror->setText(QStringLiteral("ftp://mirror.example.org/models"));
    EXPECT_FALSE(ok->isEnabled());
    mirror->setText(QStringLiteral("http://127.0.0.1:8080/models"));
    EXPECT_TRUE(ok->isEnabled());
    mirror->clear();
    EXPECT_TRUE(ok->isEnabled());
}

// Every field is visible, inside the dialog and wide enough to read; the dialog is saved for a look.
TEST(SettingsDialogTest, FieldsFitAndRender)
{
    SettingsDialog dialog(unusualSettings());
    dialog.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&dialog));
    for (const char* name : {"threads", "cacheItems", "diskCache", "topK", "tilesPerLayer", "colormap", "method",
                             "weightsDir", "mirror", "browseWeightsDir", "augSmooth", "eigenSmooth",
                             "integratedGradientsSteps", "integratedGradientsBaseline", "occlusionWindow",
                             "occlusionStride", "road"}) {
        auto* widget = dialog.findChild<QWidget*>(QLatin1String(name));
        ASSERT_NE(widget, nullptr) << name;
        EXPECT_TRUE(widget->isVisible()) << name;
        const QRect inDialog(widget->mapTo(&dialog, QPoint(0, 0)), widget->size());
        EXPECT_TRUE(dialog.rect().contains(inDialog)) << name;
        EXPECT_GE(widget->width(), widget->minimumSizeHint().width()) << name;
    }
    EXPECT_LE(dialog.height(), 680) << "fits a 720-pixel screen with its title bar";
    const QString dir = QDir::cleanPath(QStringLiteral(CONVLENS_FIXTURE_DIR "/../screenshots"));
    ASSERT_TRUE(QDir().mkpath(dir));
    ASSERT_TRUE(dialog.grab().save(dir + QStringLiteral("/settingsdialog.png")));
    field<QLineEdit>(dialog, "mirror")->setText(QStringLiteral("mirror.example.org"));
    ASSERT_TRUE(dialog.grab().save(dir + QStringLiteral("/settingsdialog-badmirror.png")));
}

}  // namespace
}  // namespace convlens
