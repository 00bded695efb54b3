#include "core/weights/weightstore.h"

#include <gtest/gtest.h>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

namespace convlens {
namespace {

// Sets the variables WeightStore reads for one test and restores them afterwards.
class WeightStoreTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        for (const char* name : kVariables) {
            mSaved.push_back({name, qgetenv(name), qEnvironmentVariableIsSet(name)});
        }
        ASSERT_TRUE(mRoot.isValid());
        mWeights = mkdir(QStringLiteral("weights"));
        mTorchHome = mkdir(QStringLiteral("torchhome"));
        mCache = mkdir(QStringLiteral("cache"));
        mHome = mkdir(QStringLiteral("home"));
        qputenv("CONVLENS_WEIGHTS_DIR", mWeights.toUtf8());
        qputenv("TORCH_HOME", mTorchHome.toUtf8());
        qputenv("XDG_CACHE_HOME", mCache.toUtf8());
        qputenv("HOME", mHome.toUtf8());
    }

    void TearDown() override
    {
        for (const auto& saved : mSaved) {
            if (saved.wasSet) {
                qputenv(saved.name, saved.value);
            } else {
                qunsetenv(saved.name);
            }
        }
    }

    QString mkdir(const QString& name)
    {
        QDir(mRoot.path()).mkpath(name);
        return QDir::cleanPath(mRoot.path() + QLatin1Char('/') + name);
    }

    static void touch(const QString& dir, const QString& fileName)
    {
        QDir().mkpath(dir);
        QFile file(dir + QLatin1Char('/') + fileName);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("x");
    }

    struct Saved {
        const char* name;
        QByteArray value;
        bool wasSet;
    };
    static constexpr const char* kVariables[] = {"CONVLENS_WEIGHTS_DIR", "TORCH_HOME", "XDG_CACHE_HOME", "HOME"};
    std::vector<Saved> mSaved;
    QTemporaryDir mRoot;
    QString mWeights, mTorchHome, mCache, mHome;
};

TEST_F(WeightStoreTest, SearchesConvlensThenTorchHomeThenCache)
{
    const QStringList expected = {mWeights, mTorchHome + QStringLiteral("/hub/checkpoints"),
                                  mCache + QStringLiteral("/torch/hub/checkpoints")};
    EXPECT_EQ(WeightStore::searchDirs(), expected);
}

TEST_F(WeightStoreTest, SkipsUnsetVariablesAndDefaultsLikeTorchHub)
{
    qunsetenv("CONVLENS_WEIGHTS_DIR");
    qunsetenv("TORCH_HOME");
    EXPECT_EQ(WeightStore::searchDirs(), QStringList{mCache + QStringLiteral("/torch/hub/checkpoints")});
    qunsetenv("XDG_CACHE_HOME");
    qputenv("CONVLENS_WEIGHTS_DIR", QByteArray());
    EXPECT_EQ(WeightStore::searchDirs(), QStringList{mHome + QStringLiteral("/.cache/torch/hub/checkpoints")});
}

TEST_F(WeightStoreTest, FindsTheFirstFolderHoldingTheFile)
{
    const QString name = QStringLiteral("resnet18-f37072fd.pth");
    EXPECT_FALSE(WeightStore::find(name).has_value());
    touch(mCache + QStringLiteral("/torch/hub/checkpoints"), name);
    EXPECT_EQ(WeightStore::find(name).value_or(QString()), mCache + QStringLiteral("/torch/hub/checkpoints/") + name);
    touch(mTorchHome + QStringLiteral("/hub/checkpoints"), name);
    EXPECT_EQ(WeightStore::find(name).value_or(QString()), mTorchHome + QStringLiteral("/hub/checkpoints/") + name);
    touch(mWeights, name);
    EXPECT_EQ(WeightStore::find(name).value_or(QString()), mWeights + QLatin1Char('/') + name);
    auto located = WeightStore::locate(name, QStringLiteral("https://download.pytorch.org/models/") + name);
    ASSERT_TRUE(located.ok()) << located.message();
    EXPECT_EQ(*located, mWeights + QLatin1Char('/') + name);
}

TEST_F(WeightStoreTest, MissingFileMessageNamesFileUrlAndEveryFolder)
{
    const QString name = QStringLiteral("densenet121-a639ec97.pth");
    const QString url = QStringLiteral("https://download.pytorch.org/models/densenet121-a639ec97.pth");
    auto located = WeightStore::locate(name, url);
    ASSERT_FALSE(located.ok());
    const QString message = QString::fromStdString(located.message());
    EXPECT_TRUE(message.contains(name)) << located.message();
    EXPECT_TRUE(message.contains(url)) << located.message();
    for (const QString& dir : WeightStore::searchDirs()) {
        EXPECT_TRUE(message.contains(dir)) << located.message();
    }
    EXPECT_EQ(WeightStore::searchDirs().size(), 3);
}

}  // namespace
}  // namespace convlens
