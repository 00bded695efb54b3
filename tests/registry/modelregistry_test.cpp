// ModelRegistry: the bundled model_registry.yaml against torchvision (the fixture written by
// check_registry_blocks.py), a user registry, ModelSpec::resolveBlock, and one invalid registry per file in
// failures/. The registry builds no network: the real networks' blocks are compared in networkblocks_test.cpp.

#include "core/registry/modelregistry.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace convlens {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = CONVLENS_SOURCE_DIR;
const fs::path kFailureDir = kSourceDir / "tests/registry/failures";
const fs::path kInputDir = kSourceDir / "tests/registry/inputs";

// torchvision.json: per model its block chain, weights and `weights.transforms()`, plus the ImageNet categories.
const QJsonObject& torchvision()
{
    static const QJsonObject json = [] {
        QFile file(QStringLiteral(CONVLENS_FIXTURE_DIR "/registry/torchvision.json"));
        if (!file.open(QIODevice::ReadOnly))
            return QJsonObject();
        return QJsonDocument::fromJson(file.readAll()).object();
    }();
    return json;
}

QJsonObject torchvisionModel(const std::string& id)
{
    return torchvision().value(QStringLiteral("models")).toObject().value(QString::fromStdString(id)).toObject();
}

std::vector<std::string> strings(const QJsonValue& value)
{
    std::vector<std::string> out;
    for (const QJsonValue& item : value.toArray())
        out.push_back(item.toString().toStdString());
    return out;
}

std::string str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString().toStdString();
}

TEST(ModelRegistryFixture, HasAllElevenModels)
{
    ASSERT_FALSE(torchvision().isEmpty()) << "fixture missing: " CONVLENS_FIXTURE_DIR "/registry/torchvision.json";
    for (const std::string& id : architectureIds())
        EXPECT_FALSE(torchvisionModel(id).isEmpty()) << id;
}

TEST(ModelRegistry, BundledRegistryMatchesTorchvision)
{
    const std::string path = (kSourceDir / "model_registry.yaml").string();
    auto registry = ModelRegistry::loadFile(path);
    ASSERT_TRUE(registry) << registry.message();
    EXPECT_EQ(registry->path(), path);

    std::vector<std::string> ids;
    for (const ModelSpec& spec : registry->models())
        ids.push_back(spec.id);
    EXPECT_EQ(ids, architectureIds());

    const std::vector<std::string> categories = strings(torchvision().value(QStringLiteral("imagenet_categories")));
    ASSERT_EQ(categories.size(), 1000u);

    for (const std::string& id : architectureIds()) {
        SCOPED_TRACE(id);
        const ModelSpec* spec = registry->find(id);
        ASSERT_NE(spec, nullptr);
        const QJsonObject tv = torchvisionModel(id);

        EXPECT_EQ(spec->architecture, id);
        EXPECT_FALSE(spec->displayName.empty());
        EXPECT_FALSE(spec->family.empty());

        EXPECT_EQ(spec->weights.file, str(tv, "file"));
        EXPECT_EQ(spec->weights.url, str(tv, "url"));
        const std::string& file = spec->weights.file;
        EXPECT_EQ(spec->weights.sha256Prefix, file.substr(file.rfind('-') + 1, file.size() - file.rfind('-') - 5));
        EXPECT_TRUE(spec->weights.sha256.empty() || spec->weights.sha256.rfind(spec->weights.sha256Prefix, 0) == 0);

        EXPECT_EQ(spec->numClasses, tv.value(QStringLiteral("num_classes")).toInt());
        EXPECT_EQ(spec->labels, categories);
        EXPECT_EQ(fs::path(spec->labelsFile), (kSourceDir / "resources/labels/imagenet1k.txt").lexically_normal());

        const QJsonObject pre = tv.value(QStringLiteral("preprocess")).toObject();
        EXPECT_EQ(spec->preprocess.resizeSize, pre.value(QStringLiteral("resize")).toInt());
        EXPECT_EQ(spec->preprocess.cropSize, pre.value(QStringLiteral("crop")).toInt());
        const std::string interpolation = str(pre, "interpolation");
        const Interpolation expected = interpolation == "bicubic"   ? Interpolation::Bicubic
                                       : interpolation == "nearest" ? Interpolation::Nearest
                                                                    : Interpolation::Bilinear;
        EXPECT_TRUE(interpolation == "bicubic" || interpolation == "nearest" || interpolation == "bilinear");
        EXPECT_EQ(spec->preprocess.interpolation, expected) << interpolation;
        for (int c = 0; c < 3; ++c) {
            EXPECT_FLOAT_EQ(spec->preprocess.mean[c], float(pre.value(QStringLiteral("mean")).toArray()[c].toDouble()));
            EXPECT_FLOAT_EQ(spec->preprocess.std[c], float(pre.value(QStringLiteral("std")).toArray()[c].toDouble()));
        }

        // Stages list torchvision's chain exactly; taps and the CAM target are blocks of it.
        const std::vector<std::string> chain = strings(tv.value(QStringLiteral("blocks")));
        EXPECT_EQ(spec->blocks(), chain);
        for (const StageSpec& stage : spec->stages)
            EXPECT_NE(registry->findCategory(stage.category), nullptr) << stage.name;
        // Taps show every block of the block-structured stages and the end of every other stage but the head.
        const std::set<std::string> blockCategories = {"residual", "inverted-residual", "dense",  "transition",
                                                       "convnext", "downsample",        "shuffle"};
        const auto isTap = [&](const std::string& block) {
            return std::find(spec->taps.begin(), spec->taps.end(), block) != spec->taps.end();
        };
        for (const StageSpec& stage : spec->stages) {
            if (stage.category == "head")
                continue;
            EXPECT_TRUE(isTap(stage.blocks.back())) << stage.name << " end";
            if (blockCategories.count(stage.category)) {
                for (const std::string& block : stage.blocks)
                    EXPECT_TRUE(isTap(block)) << block;
            }
        }
        for (const std::string& tap : spec->taps)
            EXPECT_NE(std::find(chain.begin(), chain.end(), tap), chain.end()) << tap;
        EXPECT_NE(std::find(chain.begin(), chain.end(), spec->camTarget), chain.end());
        // The CAM target is a feature map, so it comes before the head.
        EXPECT_NE(spec->stageOfBlock(spec->camTarget), "head");
    }
}

TEST(ModelRegistry, CategoriesHaveColours)
{
    auto registry = ModelRegistry::loadFile((kSourceDir / "model_registry.yaml").string());
    ASSERT_TRUE(registry) << registry.message();
    ASSERT_FALSE(registry->categories().empty());
    std::set<std::string> used;
    for (const ModelSpec& spec : registry->models())
        for (const StageSpec& stage : spec.stages)
            used.insert(stage.category);
    for (const CategorySpec& category : registry->categories()) {
        EXPECT_EQ(category.color.size(), 7u) << category.name;
        EXPECT_EQ(category.color[0], '#') << category.name;
        EXPECT_TRUE(used.count(category.name)) << category.name << " is used by no stage";
    }
}

// Folder batches use each model's measured batch size (tests/bench/RESULTS.md); a user entry without one gets 0,
// which the batch runner takes as its default.
TEST(ModelRegistry, BuiltInModelsHaveTheirMeasuredBatchSize)
{
    auto registry = ModelRegistry::loadFile((kSourceDir / "model_registry.yaml").string());
    ASSERT_TRUE(registry) << registry.message();
    for (const ModelSpec& spec : registry->models()) {
        EXPECT_GE(spec.batchSize, 1) << spec.id;
        EXPECT_LE(spec.batchSize, 16) << spec.id;
    }
    EXPECT_EQ(registry->find("efficientnet_b3")->batchSize, 1);
    EXPECT_EQ(registry->find("mobilenet_v3_small")->batchSize, 16);
}

TEST(ModelRegistry, StageHelpers)
{
    auto registry = ModelRegistry::loadFile((kSourceDir / "model_registry.yaml").string());
    ASSERT_TRUE(registry) << registry.message();
    const ModelSpec* resnet = registry->find("resnet50");
    ASSERT_NE(resnet, nullptr);
    EXPECT_EQ(resnet->stageOfBlock("layer3.4"), "layer3");
    EXPECT_EQ(resnet->categoryOfBlock("layer3.4"), "residual");
    EXPECT_EQ(resnet->stageOfBlock("maxpool"), "stem");
    EXPECT_EQ(resnet->stageOfBlock("layer9.0"), "");
    ASSERT_NE(resnet->findStage("layer4"), nullptr);
    EXPECT_EQ(resnet->findStage("layer4")->blocks.back(), resnet->camTarget);
    EXPECT_EQ(registry->find("resnet51"), nullptr);
    EXPECT_EQ(registry->findCategory("no-such-category"), nullptr);
}

TEST(ModelRegistry, DefaultPathIsTheBundledRegistry)
{
    const fs::path path = ModelRegistry::defaultRegistryPath();
    EXPECT_EQ(path.filename(), "model_registry.yaml");
    EXPECT_TRUE(fs::is_regular_file(path)) << path;
}

TEST(ModelRegistry, UserRegistryWithFineTunedModel)
{
    const std::string path = (kInputDir / "finetuned.yaml").string();
    auto registry = ModelRegistry::loadFile(path);
    ASSERT_TRUE(registry) << registry.message();
    ASSERT_EQ(registry->models().size(), 1u);
    const ModelSpec& spec = registry->models()[0];
    EXPECT_EQ(spec.id, "pets-resnet50");
    EXPECT_EQ(spec.architecture, "resnet50");
    EXPECT_EQ(spec.numClasses, 3);
    EXPECT_EQ(spec.labels, (std::vector<std::string>{"alpha", "beta", "gamma"}));
    EXPECT_EQ(fs::path(spec.labelsFile), (kInputDir / "labels3.txt").lexically_normal());
    EXPECT_EQ(spec.weights.file, "pets_resnet50-0123abcd.pth");
    EXPECT_EQ(spec.weights.sha256Prefix, "0123abcd");
    EXPECT_EQ(spec.weights.sha256, "0123abcd" + std::string(56, '0'));  // lower-cased
    EXPECT_TRUE(spec.weights.url.empty());
    EXPECT_EQ(spec.preprocess.resizeSize, 160);
    EXPECT_EQ(spec.preprocess.cropSize, 128);
    EXPECT_EQ(spec.preprocess.interpolation, Interpolation::Nearest);
    EXPECT_EQ(spec.preprocess.mean, (std::array<float, 3>{0.5f, 0.25f, 0.125f}));
    EXPECT_EQ(spec.preprocess.std, (std::array<float, 3>{0.5f, 1.5f, 2.0f}));
    EXPECT_EQ(spec.taps, (std::vector<std::string>{"layer2.3", "layer4.2"}));
    EXPECT_EQ(spec.camTarget, "layer3.5");
    EXPECT_EQ(registry->categories().size(), 3u);
    EXPECT_EQ(registry->categories()[1].name, "residual");
    EXPECT_EQ(registry->categories()[1].color, "#22AA44");
}

// weights.serialization is no longer read: it may be left out, and a value is not checked.
TEST(ModelRegistry, WeightsSerializationIsOptionalAndIgnored)
{
    const fs::path path = kInputDir / "serialization_ignored.yaml";
    auto registry = ModelRegistry::loadFile(path.string());
    ASSERT_TRUE(registry) << registry.message();
    ASSERT_EQ(registry->models().size(), 2u);
    EXPECT_EQ(registry->models()[0].weights.file, "without-0123abcd.pth");
    EXPECT_EQ(registry->models()[1].weights.file, "other-4567abcd.pth");
}

// One stage-name resolution: a block is itself, a stage name means the stage's last block, and a stage named
// after a block means that block (the registry makes it the stage's last one).
TEST(ModelSpec, ResolveBlock)
{
    ModelSpec spec;
    spec.stages = {{"stem", "stem", {"conv1", "bn1", "relu", "maxpool"}},
                   {"layer1", "residual", {"layer1.0", "layer1.1"}},
                   {"avgpool", "head", {"fc", "avgpool"}}};
    EXPECT_EQ(spec.resolveBlock("bn1"), "bn1");
    EXPECT_EQ(spec.resolveBlock("layer1.0"), "layer1.0");
    EXPECT_EQ(spec.resolveBlock("stem"), "maxpool");
    EXPECT_EQ(spec.resolveBlock("layer1"), "layer1.1");
    EXPECT_EQ(spec.resolveBlock("avgpool"), "avgpool");
    EXPECT_EQ(spec.resolveBlock("layer2"), "");
    EXPECT_EQ(spec.resolveBlock(""), "");

    auto registry = ModelRegistry::loadFile((kSourceDir / "model_registry.yaml").string());
    ASSERT_TRUE(registry) << registry.message();
    for (const ModelSpec& model : registry->models()) {
        for (const StageSpec& stage : model.stages) {
            EXPECT_EQ(model.resolveBlock(stage.name), stage.blocks.back()) << model.id << " " << stage.name;
            for (const std::string& block : stage.blocks)
                EXPECT_EQ(model.resolveBlock(block), block) << model.id;
        }
    }
}

TEST(ModelRegistry, MissingFileIsReported)
{
    const std::string path = (kInputDir / "no_such_registry.yaml").string();
    auto registry = ModelRegistry::loadFile(path);
    ASSERT_FALSE(registry);
    EXPECT_EQ(registry.message(), path + ": model registry file does not exist");
}

// Each failures/*.yaml starts with "# expect: <fragment>" lines; loading it must fail with a message that
// contains every fragment.
std::vector<std::string> failureCases()
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kFailureDir)) {
        if (entry.path().extension() == ".yaml")
            names.push_back(entry.path().stem().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class RegistryFailure : public testing::TestWithParam<std::string> {};

TEST_P(RegistryFailure, IsReportedWithFileLineAndField)
{
    const fs::path path = kFailureDir / (GetParam() + ".yaml");
    std::vector<std::string> fragments;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line) && line.rfind("# expect: ", 0) == 0;)
        fragments.push_back(line.substr(10));
    ASSERT_FALSE(fragments.empty()) << path << " has no '# expect: ' line";

    auto registry = ModelRegistry::loadFile(path.string());
    ASSERT_FALSE(registry) << path << " loaded";
    const std::string& message = registry.message();
    EXPECT_EQ(message.rfind(path.string(), 0), 0u) << message;  // starts with the file
    for (const std::string& fragment : fragments)
        EXPECT_NE(message.find(fragment), std::string::npos) << "expected: " << fragment << "\nactual:   " << message;
}

INSTANTIATE_TEST_SUITE_P(Failures, RegistryFailure, testing::ValuesIn(failureCases()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace convlens
