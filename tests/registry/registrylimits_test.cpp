// Hostile registries and labels files: whatever stands behind the name (a FIFO, a device, a huge or deeply nested
// file, thousands of entries), loading fails at once with a message naming the file and the problem. The files
// are made here from the valid tests/registry/failures/num_classes_zero.yaml shape.
#include "core/registry/modelregistry.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>

namespace convlens {
namespace {

// A valid one-model registry whose labels file is `labels` (relative to the registry), with `extra` lines of
// categories.
std::string registryText(const std::string& labels, const std::string& categories = "{stem: \"#111111\", residual: \"#222222\", head: \"#333333\"}")
{
    return "version: 1\ncategories: " + categories + R"(
models:
  - id: tiny
    display_name: Tiny
    family: ResNet
    architecture: resnet18
    weights: {file: tiny-0123abcd.pth, url: https://example.org/w/tiny-0123abcd.pth}
    num_classes: 3
    labels: )" + labels + R"(
    preprocess: {resize: 256, crop: 224, interpolation: bilinear, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}
    stages:
      - {name: stem, category: stem, blocks: [conv1, bn1, relu, maxpool]}
      - {name: body, category: residual, blocks: [layer1.0, layer1.1, layer2.0, layer2.1, layer3.0, layer3.1]}
      - {name: layer4, category: residual, blocks: [layer4.0, layer4.1]}
      - {name: head, category: head, blocks: [avgpool, fc]}
    taps: [maxpool, layer4.1]
    cam_target: layer4.1
)";
}

class RegistryLimitsTest : public ::testing::Test {
protected:
    QString write(const QString& name, const std::string& text)
    {
        const QString path = mDir.filePath(name);
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(text.data(), qint64(text.size()));
        return path;
    }

    // Loads `path`, expecting a quick BadInput naming the file and saying `words`.
    void expectRefused(const QString& path, const std::string& words)
    {
        QElapsedTimer clock;
        clock.start();
        auto loaded = ModelRegistry::loadFile(path.toStdString());
        EXPECT_LT(clock.elapsed(), 5000) << "took " << clock.elapsed() << " ms";
        ASSERT_FALSE(loaded) << path.toStdString();
        EXPECT_EQ(loaded.kind(), ErrorKind::BadInput);
        EXPECT_NE(loaded.message().find(QFileInfo(path).fileName().toStdString()), std::string::npos)
            << loaded.message();
        EXPECT_NE(loaded.message().find(words), std::string::npos) << loaded.message().substr(0, 300);
    }

    void SetUp() override
    {
        QFile labels(mDir.filePath(QStringLiteral("labels3.txt")));
        ASSERT_TRUE(labels.open(QIODevice::WriteOnly));
        labels.write("a\nb\nc\n");
    }

    QTemporaryDir mDir;
};

TEST_F(RegistryLimitsTest, TheShapeIsValid)
{
    auto loaded = ModelRegistry::loadFile(write(QStringLiteral("ok.yaml"), registryText("labels3.txt")).toStdString());
    ASSERT_TRUE(loaded) << loaded.message();
    EXPECT_EQ(loaded->models().size(), 1u);
}

TEST_F(RegistryLimitsTest, SpecialFilesAreRefusedWithoutBlocking)
{
    const QString fifo = mDir.filePath(QStringLiteral("pipe.yaml"));
    ASSERT_EQ(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    expectRefused(fifo, "not a regular file");
    expectRefused(QStringLiteral("/dev/zero"), "not a regular file");
    expectRefused(mDir.path(), "is a folder");

    ASSERT_EQ(::mkfifo(QFile::encodeName(mDir.filePath(QStringLiteral("labels-pipe.txt"))).constData(), 0600), 0);
    expectRefused(write(QStringLiteral("fifo-labels.yaml"), registryText("labels-pipe.txt")), "not a regular file");
    expectRefused(write(QStringLiteral("zero-labels.yaml"), registryText("/dev/zero")), "not a regular file");
}

TEST_F(RegistryLimitsTest, HugeFilesAreRefusedBeforeReading)
{
    // Sparse: 3 GiB on paper, nothing on disk.
    const QString huge = write(QStringLiteral("huge.yaml"), "version: 1\n");
    ASSERT_TRUE(QFile::resize(huge, 3ll << 30));
    expectRefused(huge, "over the 4.0 MiB limit for model registries");
    const QString labels = mDir.filePath(QStringLiteral("huge.txt"));
    write(QStringLiteral("huge.txt"), "a\n");
    ASSERT_TRUE(QFile::resize(labels, 3ll << 30));
    expectRefused(write(QStringLiteral("huge-labels.yaml"), registryText("huge.txt")), "limit for labels files");
}

TEST_F(RegistryLimitsTest, DeepNestingIsRefusedBeforeParsing)
{
    // yaml-cpp parses nested flow collections recursively: 100,000 levels would overflow the stack.
    expectRefused(write(QStringLiteral("deep.yaml"), "version: 1\nmodels: " + std::string(100000, '[') +
                                                          std::string(100000, ']') + "\n"),
                  "nested too deeply");
    expectRefused(write(QStringLiteral("deep-map.yaml"), "version: 1\nx: " + std::string(100000, '{') + "\n"),
                  "nested too deeply");
    // Brackets inside quotes and comments are text.
    std::string quoted = registryText("labels3.txt");
    quoted.insert(quoted.find("display_name: Tiny"), "# " + std::string(200, '[') + "\n    ");
    auto loaded = ModelRegistry::loadFile(write(QStringLiteral("quoted.yaml"), quoted).toStdString());
    EXPECT_TRUE(loaded) << loaded.message();
}

TEST_F(RegistryLimitsTest, ThousandsOfCategoriesOrModelsAreRefused)
{
    std::string categories = "{";
    for (int i = 0; i < 3000; ++i)
        categories += "c" + std::to_string(i) + ": \"#111111\", ";
    categories += "stem: \"#111111\", residual: \"#222222\", head: \"#333333\"}";
    expectRefused(write(QStringLiteral("categories.yaml"), registryText("labels3.txt", categories)),
                  "a registry holds at most 256");

    std::string text = registryText("labels3.txt");
    const std::string model = text.substr(text.find("  - id: tiny"));
    for (int i = 0; i < 1500; ++i) {
        std::string copy = model;
        copy.replace(copy.find("id: tiny"), 8, "id: tiny" + std::to_string(i));
        text += copy;
    }
    expectRefused(write(QStringLiteral("models.yaml"), text), "a registry holds at most 500");
}

TEST_F(RegistryLimitsTest, ValuesThatWouldTurnPixelsInfiniteAreRefused)
{
    std::string text = registryText("labels3.txt");
    const std::string std = "std: [0.25, 0.25, 0.25]";
    text.replace(text.find(std), std.size(), "std: [1e-300, 0.25, 0.25]");
    expectRefused(write(QStringLiteral("tiny-std.yaml"), text), "must be at least 1e-6");
    text = registryText("labels3.txt");
    const std::string mean = "mean: [0.5, 0.5, 0.5]";
    text.replace(text.find(mean), mean.size(), "mean: [1e300, 0.5, 0.5]");
    expectRefused(write(QStringLiteral("huge-mean.yaml"), text), "must lie between -1e6 and 1e6");
}

TEST_F(RegistryLimitsTest, ASecondDocumentIsNotDroppedSilently)
{
    const std::string text = registryText("labels3.txt");
    expectRefused(write(QStringLiteral("two.yaml"), text + "---\n" + text), "holds 2 YAML documents");
    // A document marker with nothing after it is harmless.
    auto loaded =
        ModelRegistry::loadFile(write(QStringLiteral("trailing.yaml"), text + "---\n").toStdString());
    EXPECT_TRUE(loaded) << loaded.message();
}

TEST_F(RegistryLimitsTest, ALabelsFileWithControlCharactersIsNotText)
{
    write(QStringLiteral("nul.txt"), std::string("a\0\nb\nc\n", 7));
    expectRefused(write(QStringLiteral("nul-labels.yaml"), registryText("nul.txt")), "holds a control character");
}

}  // namespace
}  // namespace convlens
