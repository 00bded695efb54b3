// A user registry on top of the built-in one (ModelRegistry::loadWithUser / loadMerged): a fine-tuned 10-class
// resnet18 written by make_user_registry_fixtures.py loads with its local checkpoint and labels and computes
// torchvision's logits; a user id clashing with a built-in id and a checkpoint that does not fit its
// architecture are refused with messages naming what is wrong.

#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/registry/modelregistry.h"
#include "core/weights/weightdownloader.h"
#include "core/weights/weightloader.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace convlens {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtureDir = fs::path(CONVLENS_FIXTURE_DIR) / "user_registry";

torch::Tensor readFloats(const fs::path& path, std::vector<int64_t> shape)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    int64_t count = 1;
    for (int64_t d : shape)
        count *= d;
    EXPECT_EQ(bytes.size(), std::size_t(count) * sizeof(float)) << path;
    if (bytes.size() != std::size_t(count) * sizeof(float))
        return torch::zeros(shape);
    return torch::from_blob(bytes.data(), shape, torch::kFloat32).clone();
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

class UserRegistryTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(fs::exists(kFixtureDir / "models.yaml")) << "fixture missing: " << kFixtureDir;
    }
};

TEST_F(UserRegistryTest, FineTunedResnet18LoadsAndMatchesTorchvision)
{
    const std::string userFile = (kFixtureDir / "models.yaml").string();
    const Expected<ModelRegistry> registry = ModelRegistry::loadWithUser(userFile);
    ASSERT_TRUE(registry.ok()) << registry.message();
    EXPECT_EQ(registry->userPath(), userFile);

    const Expected<ModelRegistry> builtin = ModelRegistry::loadDefault();
    ASSERT_TRUE(builtin.ok()) << builtin.message();
    ASSERT_EQ(registry->models().size(), builtin->models().size() + 1);
    for (std::size_t i = 0; i < builtin->models().size(); ++i)
        EXPECT_EQ(registry->models()[i].id, builtin->models()[i].id);
    EXPECT_EQ(registry->categories().size(), builtin->categories().size());

    const ModelSpec* spec = registry->find("resnet18_cifar10");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->architecture, "resnet18");
    EXPECT_EQ(spec->numClasses, 10);
    ASSERT_EQ(spec->labels.size(), 10u);
    EXPECT_EQ(spec->labels.front(), "airplane");
    EXPECT_EQ(spec->labels.back(), "truck");
    EXPECT_EQ(spec->labelsFile, (kFixtureDir / "cifar10.txt").lexically_normal().string());
    EXPECT_EQ(spec->preprocess.cropSize, 32);
    EXPECT_EQ(spec->categoryOfBlock("layer3.1"), builtin->find("resnet18")->categoryOfBlock("layer3.1"));

    // weights.path resolves against the user file; the file name keeps its torch.hub hash prefix.
    const fs::path checkpoint(spec->weights.path);
    EXPECT_TRUE(checkpoint.is_absolute());
    EXPECT_EQ(checkpoint.parent_path(), kFixtureDir.lexically_normal());
    EXPECT_EQ(spec->weights.file, checkpoint.filename().string());
    std::smatch match;
    ASSERT_TRUE(std::regex_match(spec->weights.file, match, std::regex("cifar_resnet18-([0-9a-f]{8})\\.pth")));
    EXPECT_EQ(spec->weights.sha256Prefix, match[1].str());
    const Expected<void> verified = verifyWeightsFile(QString::fromStdString(spec->weights.path), spec->weights);
    EXPECT_TRUE(verified.ok()) << verified.message();

    Expected<std::shared_ptr<NetworkImpl>> net = createNetwork(spec->architecture, spec->numClasses);
    ASSERT_TRUE(net.ok()) << net.message();
    const Expected<LoadReport> loaded = loadWeights(**net, spec->weights.path);
    ASSERT_TRUE(loaded.ok()) << loaded.message();

    const torch::Tensor input = readFloats(kFixtureDir / "input.f32", {2, 3, 32, 32});
    const torch::Tensor expected = readFloats(kFixtureDir / "logits.f32", {2, 10});
    torch::NoGradGuard noGrad;
    const torch::Tensor logits = (*net)->forward(input);
    ASSERT_EQ(logits.sizes().vec(), (std::vector<int64_t>{2, 10}));
    EXPECT_LE((logits - expected).abs().max().item<float>(), 1e-4f);
    EXPECT_GT(expected.abs().max().item<float>(), 1e-3f);  // not a degenerate all-zero reference
}

TEST_F(UserRegistryTest, IdClashingWithBuiltinNamesBothFiles)
{
    const std::string userFile = (kFixtureDir / "clash.yaml").string();
    const Expected<ModelRegistry> registry = ModelRegistry::loadWithUser(userFile);
    ASSERT_FALSE(registry.ok());
    EXPECT_TRUE(contains(registry.message(), userFile)) << registry.message();
    EXPECT_TRUE(contains(registry.message(), ModelRegistry::defaultRegistryPath())) << registry.message();
    EXPECT_TRUE(contains(registry.message(), "'resnet18'")) << registry.message();
}

TEST_F(UserRegistryTest, CheckpointThatDoesNotFitNamesTheKey)
{
    const Expected<ModelRegistry> registry = ModelRegistry::loadWithUser((kFixtureDir / "misfit.yaml").string());
    ASSERT_TRUE(registry.ok()) << registry.message();  // the registry is valid; the checkpoint is checked at load
    const ModelSpec* spec = registry->find("resnet18_misfit");
    ASSERT_NE(spec, nullptr);
    Expected<std::shared_ptr<NetworkImpl>> net = createNetwork(spec->architecture, spec->numClasses);
    ASSERT_TRUE(net.ok()) << net.message();
    const Expected<LoadReport> loaded = loadWeights(**net, spec->weights.path);
    ASSERT_FALSE(loaded.ok());
    EXPECT_TRUE(contains(loaded.message(), "fc.weight")) << loaded.message();
    EXPECT_TRUE(contains(loaded.message(), fs::path(spec->weights.path).filename().string())) << loaded.message();
}

TEST_F(UserRegistryTest, MissingExplicitUserFileIsAnError)
{
    const std::string userFile = (kFixtureDir / "absent.yaml").string();
    const Expected<ModelRegistry> registry = ModelRegistry::loadWithUser(userFile);
    ASSERT_FALSE(registry.ok());
    EXPECT_TRUE(contains(registry.message(), userFile)) << registry.message();
}

TEST_F(UserRegistryTest, UserFileWithoutCategoriesIsNotAStandaloneRegistry)
{
    // Only on top of the built-in registry are the categories known.
    const Expected<ModelRegistry> alone = ModelRegistry::loadFile((kFixtureDir / "models.yaml").string());
    ASSERT_FALSE(alone.ok());
    EXPECT_TRUE(contains(alone.message(), "categories")) << alone.message();
}

TEST_F(UserRegistryTest, DefaultUserFileInConfigLocation)
{
    QTemporaryDir config;
    ASSERT_TRUE(config.isValid());
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    const std::string userFile = ModelRegistry::userRegistryPath();
    ASSERT_FALSE(userFile.empty());
    EXPECT_TRUE(QString::fromStdString(userFile).startsWith(config.path())) << userFile;

    // Absent: the built-in registry alone.
    const Expected<ModelRegistry> builtinOnly = ModelRegistry::loadWithUser("");
    ASSERT_TRUE(builtinOnly.ok()) << builtinOnly.message();
    EXPECT_EQ(builtinOnly->find("resnet18_cifar10"), nullptr);
    EXPECT_TRUE(builtinOnly->userPath().empty());

    // Present: merged. Relative paths would resolve against the config folder, so make them absolute.
    std::ifstream in(kFixtureDir / "models.yaml");
    std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    yaml = std::regex_replace(yaml, std::regex("path: "), "path: " + kFixtureDir.string() + "/");
    yaml = std::regex_replace(yaml, std::regex("labels: "), "labels: " + kFixtureDir.string() + "/");
    ASSERT_TRUE(QDir().mkpath(QString::fromStdString(fs::path(userFile).parent_path().string())));
    std::ofstream(userFile) << yaml;
    const Expected<ModelRegistry> merged = ModelRegistry::loadWithUser("");
    qunsetenv("XDG_CONFIG_HOME");
    ASSERT_TRUE(merged.ok()) << merged.message();
    EXPECT_EQ(merged->userPath(), userFile);
    ASSERT_NE(merged->find("resnet18_cifar10"), nullptr);
    EXPECT_TRUE(fs::exists(merged->find("resnet18_cifar10")->weights.path));
}

}  // namespace
}  // namespace convlens
