// describeNetwork against torchvision: for every model of model_registry.yaml, the block chain, each block's
// output shape at the model's crop size, its module type and parameter count, and the model's total parameters
// are those make_network_description.py records with forward hooks on torchvision's own modules. Also the
// stage grouping, categories and colours, taps and CAM target, indexOf, and the failures. How each block joins its
// paths (residual add, concatenation, the shortcut's layers) is checked against torchvision's module types and
// use_res_connect attributes.
#include "core/inspect/networkdescription.h"
#include "core/registry/modelregistry.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace convlens {
namespace {

const ModelRegistry& registry()
{
    static const ModelRegistry loaded = [] {
        auto result = ModelRegistry::loadFile(CONVLENS_SOURCE_DIR "/model_registry.yaml");
        if (!result)
            ADD_FAILURE() << result.message();
        return result ? *result : ModelRegistry{};
    }();
    return loaded;
}

QJsonObject reference()
{
    QFile file(QStringLiteral(CONVLENS_FIXTURE_DIR "/network_description/description.json"));
    if (!file.open(QIODevice::ReadOnly))
        ADD_FAILURE() << "cannot read " << file.fileName().toStdString() << " (run the network_description fixture)";
    return QJsonDocument::fromJson(file.readAll()).object()[QLatin1String("models")].toObject();
}

std::vector<int64_t> toShape(const QJsonArray& array)
{
    std::vector<int64_t> shape;
    for (const QJsonValue& value : array)
        shape.push_back(value.toInteger());
    return shape;
}

class EveryModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryModel, MatchesTorchvision)
{
    const ModelSpec* spec = registry().find(GetParam());
    ASSERT_NE(spec, nullptr);
    const QJsonObject ref = reference()[QString::fromStdString(spec->id)].toObject();
    ASSERT_FALSE(ref.isEmpty()) << "no reference for " << spec->id;

    const auto described = describeNetwork(*spec, registry().categories());
    ASSERT_TRUE(described.ok()) << described.message();
    const NetworkDescription& d = *described;

    EXPECT_EQ(d.modelId, spec->id);
    EXPECT_EQ(d.displayName, spec->displayName);
    EXPECT_EQ(d.inputShape, toShape(ref[QLatin1String("input")].toArray()));
    EXPECT_EQ(d.parameters, ref[QLatin1String("parameters")].toInteger());

    const QJsonArray refBlocks = ref[QLatin1String("blocks")].toArray();
    ASSERT_EQ(d.blocks.size(), static_cast<size_t>(refBlocks.size()));
    int64_t blockParameters = 0;
    int64_t blockMacs = 0;
    std::set<MergeKind> mergeKinds;
    for (size_t i = 0; i < d.blocks.size(); ++i) {
        const BlockDescription& block = d.blocks[i];
        const QJsonObject refBlock = refBlocks[static_cast<qsizetype>(i)].toObject();
        SCOPED_TRACE(spec->id + " " + block.name);
        EXPECT_EQ(block.name, refBlock[QLatin1String("name")].toString().toStdString());
        EXPECT_EQ(block.outputShape, toShape(refBlock[QLatin1String("shape")].toArray()));
        EXPECT_EQ(block.parameters, refBlock[QLatin1String("parameters")].toInteger());
        blockParameters += block.parameters;
        const QJsonValue refType = refBlock[QLatin1String("type")];
        if (refType.isNull()) {
            // A functional step of torchvision's forward(): it has no class; the description names what it does.
            EXPECT_TRUE(block.type == "ReLU" || block.type == "GlobalAvgPool") << block.type;
        } else {
            std::string expected = refType.toString().toStdString();
            if (expected.front() == '_')  // torchvision's private classes (_DenseBlock, _Transition)
                expected.erase(0, 1);
            EXPECT_EQ(block.type, expected);
        }
        EXPECT_EQ(block.stage, spec->stageOfBlock(block.name));
        EXPECT_EQ(block.category, spec->categoryOfBlock(block.name));
        EXPECT_EQ(block.isCamTarget, block.name == spec->camTarget);
        EXPECT_EQ(block.isTap, std::find(spec->taps.begin(), spec->taps.end(), block.name) != spec->taps.end());

        // The merge, from the ConvLens module's forward(), against torchvision's module.
        EXPECT_EQ(mergeKindName(block.merge), refBlock[QLatin1String("merge")].toString().toStdString());
        std::vector<std::string> refShortcut, refUnits;
        for (const QJsonValue& v : refBlock[QLatin1String("shortcut")].toArray())
            refShortcut.push_back(v.toString().toStdString());
        for (const QJsonValue& v : refBlock[QLatin1String("units")].toArray())
            refUnits.push_back(v.toString().toStdString());
        EXPECT_EQ(block.shortcutLayers, refShortcut);
        EXPECT_EQ(block.mergeUnits, refUnits);
        EXPECT_EQ(block.splitInput, refBlock[QLatin1String("split")].toBool());
        EXPECT_EQ(block.channelShuffle, refBlock[QLatin1String("shuffle")].toBool());
        mergeKinds.insert(block.merge);

        // Multiply-adds as torchvision's forward hooks count them, and the layers with parameters (name, type,
        // parameter count, weight and bias shapes) as torchvision registers them.
        EXPECT_EQ(block.macs, refBlock[QLatin1String("macs")].toInteger());
        blockMacs += block.macs;
        std::vector<const LayerDescription*> withParameters;
        int64_t layerParameters = 0;
        for (const LayerDescription& layer : block.layers) {
            layerParameters += layer.parameters;
            if (layer.parameters > 0)
                withParameters.push_back(&layer);
        }
        EXPECT_EQ(layerParameters, block.parameters) << "a parameter outside the listed layers";
        const QJsonArray refLayers = refBlock[QLatin1String("layers")].toArray();
        ASSERT_EQ(withParameters.size(), static_cast<size_t>(refLayers.size()));
        for (size_t l = 0; l < withParameters.size(); ++l) {
            const LayerDescription& layer = *withParameters[l];
            const QJsonObject refLayer = refLayers[static_cast<qsizetype>(l)].toObject();
            EXPECT_EQ(layer.name, refLayer[QLatin1String("name")].toString().toStdString());
            EXPECT_EQ(layer.type, refLayer[QLatin1String("type")].toString().toStdString()) << layer.name;
            EXPECT_EQ(layer.parameters, refLayer[QLatin1String("parameters")].toInteger()) << layer.name;
            EXPECT_EQ(layer.weightShape, toShape(refLayer[QLatin1String("weight")].toArray())) << layer.name;
            EXPECT_EQ(layer.biasShape, toShape(refLayer[QLatin1String("bias")].toArray())) << layer.name;
        }
    }
    // Every architecture of the registry merges somewhere (all are residual, dense or split/concat networks).
    EXPECT_FALSE(mergeKinds.count(MergeKind::Add) == 0 && mergeKinds.count(MergeKind::Concat) == 0);
    EXPECT_EQ(blockMacs, d.macs);
    EXPECT_GT(d.macs, 0);
    // Every parameter sits in exactly one block.
    EXPECT_EQ(blockParameters, d.parameters);
    EXPECT_EQ(std::count_if(d.blocks.begin(), d.blocks.end(), [](const auto& b) { return b.isCamTarget; }), 1);

    // The stages partition the blocks in order, with the registry's categories and colours.
    ASSERT_EQ(d.stages.size(), spec->stages.size());
    int next = 0;
    for (size_t s = 0; s < d.stages.size(); ++s) {
        const StageDescription& stage = d.stages[s];
        EXPECT_EQ(stage.name, spec->stages[s].name);
        EXPECT_EQ(stage.category, spec->stages[s].category);
        const CategorySpec* category = registry().findCategory(stage.category);
        ASSERT_NE(category, nullptr);
        EXPECT_EQ(stage.color, category->color);
        EXPECT_EQ(stage.firstBlock, next);
        EXPECT_EQ(stage.blockCount, static_cast<int>(spec->stages[s].blocks.size()));
        for (int b = stage.firstBlock; b < stage.firstBlock + stage.blockCount; ++b)
            EXPECT_EQ(d.blocks[b].stage, stage.name);
        next += stage.blockCount;
    }
    EXPECT_EQ(next, static_cast<int>(d.blocks.size()));
}

std::vector<std::string> modelIds()
{
    std::vector<std::string> ids;
    for (const ModelSpec& spec : registry().models())
        ids.push_back(spec.id);
    return ids;
}

INSTANTIATE_TEST_SUITE_P(NetworkDescriptionOf, EveryModel, ::testing::ValuesIn(modelIds()),
                         [](const auto& info) { return info.param; });

TEST(NetworkDescription, EveryModelOfTheRegistryHasAReference)
{
    const QJsonObject ref = reference();
    EXPECT_EQ(static_cast<size_t>(ref.size()), registry().models().size());
    for (const ModelSpec& spec : registry().models())
        EXPECT_TRUE(ref.contains(QString::fromStdString(spec.id))) << spec.id;
}

TEST(NetworkDescription, IndexOfFindsBlocksAndStagesByName)
{
    const ModelSpec* spec = registry().find("resnet50");
    ASSERT_NE(spec, nullptr);
    const auto d = describeNetwork(*spec, registry().categories());
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(d->indexOf("conv1"), 0);
    const int layer3 = d->indexOf("layer3");  // a stage: its last block
    ASSERT_GE(layer3, 0);
    EXPECT_EQ(d->blocks[layer3].name, "layer3.5");
    EXPECT_EQ(d->blocks[d->indexOf("layer2.1")].name, "layer2.1");
    EXPECT_EQ(d->indexOf("fc"), static_cast<int>(d->blocks.size()) - 1);
    EXPECT_EQ(d->indexOf("layer5"), -1);
    EXPECT_EQ(d->indexOf(""), -1);
}

TEST(NetworkDescription, StageNamesAsTapsAndCamTargetMeanTheirLastBlock)
{
    ModelSpec spec = *registry().find("resnet18");
    spec.camTarget = "layer3";
    spec.taps = {"layer2", "layer4.0"};
    const auto d = describeNetwork(spec, registry().categories());
    ASSERT_TRUE(d.ok()) << d.message();
    std::set<std::string> taps;
    std::string camTarget;
    for (const BlockDescription& block : d->blocks) {
        if (block.isTap)
            taps.insert(block.name);
        if (block.isCamTarget)
            camTarget += block.name;
    }
    EXPECT_EQ(taps, (std::set<std::string>{"layer2.1", "layer4.0"}));
    EXPECT_EQ(camTarget, "layer3.1");
}

TEST(NetworkDescription, UnknownCategoryIsGrey)
{
    const ModelSpec* spec = registry().find("resnet18");
    const auto d = describeNetwork(*spec, {{"residual", "#123456"}});
    ASSERT_TRUE(d.ok()) << d.message();
    for (const StageDescription& stage : d->stages)
        EXPECT_EQ(stage.color, stage.category == "residual" ? "#123456" : "#808080") << stage.name;
}

TEST(NetworkDescription, FailsWithTheModelAndTheReason)
{
    ModelSpec unknown = *registry().find("resnet18");
    unknown.id = "my_model";
    unknown.architecture = "resnet19";
    const auto a = describeNetwork(unknown, registry().categories());
    ASSERT_FALSE(a.ok());
    EXPECT_NE(a.message().find("my_model"), std::string::npos) << a.message();
    EXPECT_NE(a.message().find("resnet19"), std::string::npos) << a.message();

    ModelSpec shuffled = *registry().find("resnet18");
    std::swap(shuffled.stages[1], shuffled.stages[2]);
    const auto b = describeNetwork(shuffled, registry().categories());
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.kind(), ErrorKind::BadInput);
    EXPECT_NE(b.message().find("resnet18: the registry's stages do not match the resnet18 network: 'layer2.0' "
                               "(stage layer2) is out of order: resnet18 runs 'layer1.0' before it"),
              std::string::npos)
        << b.message();

    ModelSpec empty = *registry().find("resnet18");
    empty.preprocess.cropSize = 0;
    const auto c = describeNetwork(empty, registry().categories());
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.message().find("resnet18"), std::string::npos) << c.message();
    EXPECT_NE(c.message().find("crop"), std::string::npos) << c.message();
}

}  // namespace
}  // namespace convlens
