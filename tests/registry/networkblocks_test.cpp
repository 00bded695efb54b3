// The registry against the real ConvLens networks. The registry itself builds no network; the stages are
// compared with a network's blockNames() where one is built (createNetwork(spec), checkBlocks), so these tests
// prove that every bundled model's stages are its network's blocks, that the networks' chains are torchvision's,
// and that a user registry whose stages do not fit its network is refused with a clear error, from the analyzer
// too. The files in mismatch/ are valid registries whose stages do not match resnet18; each starts with
// "# expect: <fragment>" lines.

#include "core/inspect/analyzer.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/registry/modelregistry.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace convlens {
namespace {

namespace fs = std::filesystem;

const fs::path kMismatchDir = fs::path(CONVLENS_SOURCE_DIR) / "tests/registry/mismatch";

std::vector<std::string> torchvisionBlocks(const std::string& id)
{
    QFile file(QStringLiteral(CONVLENS_FIXTURE_DIR "/registry/torchvision.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject models =
        QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("models")).toObject();
    std::vector<std::string> out;
    for (const QJsonValue& block :
         models.value(QString::fromStdString(id)).toObject().value(QStringLiteral("blocks")).toArray())
        out.push_back(block.toString().toStdString());
    return out;
}

const ModelRegistry& bundled()
{
    static const ModelRegistry registry = [] {
        auto loaded = ModelRegistry::loadFile(CONVLENS_SOURCE_DIR "/model_registry.yaml");
        if (!loaded)
            ADD_FAILURE() << loaded.message();
        return loaded ? *loaded : ModelRegistry{};
    }();
    return registry;
}

class RealNetworkBlocks : public testing::TestWithParam<std::string> {};

TEST_P(RealNetworkBlocks, MatchTorchvisionChain)
{
    const std::vector<std::string> expected = torchvisionBlocks(GetParam());
    ASSERT_FALSE(expected.empty()) << "fixture missing for " << GetParam();
    auto net = createNetwork(GetParam(), 1000, Initialisation::Skip);
    ASSERT_TRUE(net) << net.message();
    EXPECT_EQ((*net)->blockNames(), expected);
}

INSTANTIATE_TEST_SUITE_P(Architectures, RealNetworkBlocks, testing::ValuesIn(architectureIds()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// All eleven bundled models: the registry's stages list exactly the built network's blocks.
TEST(RealNetworkRegistry, BundledStagesAreTheNetworksBlocks)
{
    ASSERT_EQ(bundled().models().size(), architectureIds().size());
    for (const ModelSpec& spec : bundled().models()) {
        SCOPED_TRACE(spec.id);
        auto net = createNetwork(spec, Initialisation::Skip);
        ASSERT_TRUE(net) << net.message();
        EXPECT_EQ((*net)->blockNames(), spec.blocks());
        EXPECT_TRUE(checkBlocks(spec, **net));
    }
}

std::vector<std::string> mismatchCases()
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kMismatchDir)) {
        if (entry.path().extension() == ".yaml")
            names.push_back(entry.path().stem().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> expectedFragments(const fs::path& path)
{
    std::vector<std::string> fragments;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line) && line.rfind("# expect: ", 0) == 0;)
        fragments.push_back(line.substr(10));
    return fragments;
}

class StagesNotMatchingTheNetwork : public testing::TestWithParam<std::string> {};

// The schema is fine, so the registry loads; building the network for the entry fails.
TEST_P(StagesNotMatchingTheNetwork, AreRefusedWhereTheNetworkIsBuilt)
{
    const fs::path path = kMismatchDir / (GetParam() + ".yaml");
    const std::vector<std::string> fragments = expectedFragments(path);
    ASSERT_FALSE(fragments.empty()) << path << " has no '# expect: ' line";
    auto registry = ModelRegistry::loadFile(path.string());
    ASSERT_TRUE(registry) << registry.message();
    ASSERT_EQ(registry->models().size(), 1u);
    const ModelSpec& spec = registry->models()[0];

    auto net = createNetwork(spec, Initialisation::Skip);
    ASSERT_FALSE(net) << path << " built";
    EXPECT_EQ(net.kind(), ErrorKind::BadInput);
    for (const std::string& fragment : fragments)
        EXPECT_NE(net.message().find(fragment), std::string::npos)
            << "expected: " << fragment << "\nactual:   " << net.message();

    auto plain = createNetwork(spec.architecture, spec.numClasses, Initialisation::Skip);
    ASSERT_TRUE(plain) << plain.message();
    const Expected<void> checked = checkBlocks(spec, **plain);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.message(), net.message());
}

INSTANTIATE_TEST_SUITE_P(Mismatch, StagesNotMatchingTheNetwork, testing::ValuesIn(mismatchCases()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// A user registry on top of the built-in one: it loads (the registry is a schema parser), and the analyzer refuses
// the model when it is created, naming the model, the first block that differs and what to fix.
TEST(StagesNotMatchingTheNetwork, AreRefusedByTheAnalyzer)
{
    const std::string user = CONVLENS_SOURCE_DIR "/tests/registry/inputs/user_stages_out_of_order.yaml";
    auto registry = ModelRegistry::loadMerged(CONVLENS_SOURCE_DIR "/model_registry.yaml", user);
    ASSERT_TRUE(registry) << registry.message();
    const ModelSpec* spec = registry->find("tiny");
    ASSERT_NE(spec, nullptr);

    auto analyzer = Analyzer::create(*spec, QString());
    ASSERT_FALSE(analyzer);
    EXPECT_EQ(analyzer.kind(), ErrorKind::BadInput);
    const std::string& message = analyzer.message();
    EXPECT_EQ(message.rfind("tiny: ", 0), 0u) << message;
    EXPECT_NE(message.find("the registry's stages do not match the resnet18 network"), std::string::npos) << message;
    EXPECT_NE(message.find("'layer1.1' (stage body) is out of order"), std::string::npos) << message;

    // The same model with its stages in order is accepted.
    const ModelSpec* builtin = registry->find("resnet18");
    ASSERT_NE(builtin, nullptr);
    ModelSpec fixed = *spec;
    fixed.stages = builtin->stages;
    auto fine = Analyzer::create(fixed, QString());
    EXPECT_TRUE(fine) << fine.message();
}

}  // namespace
}  // namespace convlens
