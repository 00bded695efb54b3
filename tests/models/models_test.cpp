// The eleven networks against torchvision's structure: state_dict keys and shapes from the manifests that
// make_model_fixtures.py writes, and the block chain (unique names, partial runs, recording taps).

#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "tests/models/modelfixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace convlens {
namespace {

const std::vector<std::string> kModelIds = {
    "resnet18",        "resnet50",        "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
    "efficientnet_b2", "efficientnet_b3", "densenet121",  "convnext_tiny",      "shufflenet_v2_x1_0",
};

// Block names that are functional steps, not modules (see the naming convention).
const std::set<std::string> kFunctionalBlocks = {"pool", "relu"};

std::map<std::string, std::vector<int64_t>> stateDictShapes(NetworkImpl& net)
{
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& item : net.named_parameters())
        shapes[item.key()] = item.value().sizes().vec();
    for (const auto& item : net.named_buffers())
        shapes[item.key()] = item.value().sizes().vec();
    return shapes;
}

std::string shapeString(const std::vector<int64_t>& shape)
{
    return c10::str(c10::IntArrayRef(shape));
}

class ModelTest : public ::testing::TestWithParam<std::string> {
protected:
    std::shared_ptr<NetworkImpl> create(int64_t numClasses = 1000)
    {
        auto net = createNetwork(GetParam(), numClasses);
        EXPECT_TRUE(net.ok()) << (net.ok() ? "" : net.message());
        return net.ok() ? net.value() : nullptr;
    }

    // A deterministic input at the model's crop size from the manifest, batch of one.
    torch::Tensor input(const test::ModelFixture& fixture)
    {
        torch::manual_seed(11);
        return torch::randn({1, 3, fixture.inputShape[2], fixture.inputShape[3]});
    }
};

TEST(ModelIds, CoverEveryArchitecture)
{
    EXPECT_EQ(kModelIds, architectureIds());
}

TEST(NetworkFactory, UnknownArchitectureFailsNamingIt)
{
    auto net = createNetwork("resnet1000");
    ASSERT_FALSE(net.ok());
    EXPECT_NE(net.message().find("'resnet1000'"), std::string::npos) << net.message();
}

TEST_P(ModelTest, ArchitectureAndEvalMode)
{
    auto net = create();
    ASSERT_TRUE(net);
    EXPECT_EQ(net->architecture(), GetParam());
    EXPECT_EQ(net->numClasses(), 1000);
    EXPECT_FALSE(net->is_training());
    for (const auto& module : net->modules())
        EXPECT_FALSE(module->is_training()) << module->name();
    for (const auto& parameter : net->named_parameters())
        EXPECT_FALSE(parameter.value().requires_grad()) << parameter.key();
}

TEST_P(ModelTest, StateDictKeysAndShapesEqualTorchvision)
{
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    auto net = create();
    ASSERT_TRUE(net);

    const auto ours = stateDictShapes(*net);
    const auto& theirs = fixture->stateDict;
    for (const auto& [key, shape] : theirs) {
        auto it = ours.find(key);
        if (it == ours.end())
            ADD_FAILURE() << "missing key " << key;
        else
            EXPECT_EQ(it->second, shape) << key << ": ours " << shapeString(it->second) << ", torchvision "
                                         << shapeString(shape);
    }
    for (const auto& [key, shape] : ours)
        EXPECT_TRUE(theirs.count(key)) << "key not in torchvision's state_dict: " << key;
    EXPECT_EQ(ours.size(), theirs.size());
}

TEST_P(ModelTest, BlockNamesAreUniqueModulesOrFunctionalSteps)
{
    auto net = create();
    ASSERT_TRUE(net);
    const std::vector<std::string> names = net->blockNames();
    ASSERT_GE(names.size(), 4u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());

    std::set<std::string> modules;
    for (const auto& item : net->named_modules(/*name_prefix=*/"", /*include_self=*/false))
        modules.insert(item.key());
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_TRUE(modules.count(names[i]) || kFunctionalBlocks.count(names[i]))
            << "block " << names[i] << " is neither a module nor a functional step";
        EXPECT_EQ(net->blockIndex(names[i]), static_cast<int>(i));
    }
    EXPECT_EQ(net->blockIndex("no.such.block"), -1);
    // The chain ends with the classifier, the module whose shape depends on num_classes.
    EXPECT_TRUE(names.back() == "fc" || names.back() == "classifier") << names.back();
}

TEST_P(ModelTest, ForwardFromForwardToEqualsForward)
{
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    auto net = create();
    ASSERT_TRUE(net);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = input(*fixture);
    const torch::Tensor logits = net->forward(x);
    ASSERT_EQ(logits.sizes().vec(), (std::vector<int64_t>{1, 1000}));
    ASSERT_TRUE(torch::isfinite(logits).all().item<bool>());

    const int n = static_cast<int>(net->blocks().size());
    for (int i : {0, n / 3, n / 2, (2 * n) / 3, n - 2}) {
        const torch::Tensor activation = net->forwardTo(i, x);
        const torch::Tensor resumed = net->forwardFrom(i, activation);
        EXPECT_TRUE(torch::allclose(resumed, logits, 1e-5, 1e-6))
            << "resuming after block " << net->blocks()[i].name << " differs by "
            << (resumed - logits).abs().max().item<double>();
    }
    EXPECT_TRUE(torch::allclose(net->forwardTo(n - 1, x), logits, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(net->forwardFrom(-1, x), logits, 1e-5, 1e-6));
}

// Exactly one block is marked as the global average pool (Block::globalAveragePool, which lets a backward pass of
// the head start after it), and it is one: each channel's mean over all positions of the feature map before it.
TEST_P(ModelTest, TheGlobalAveragePoolIsMarked)
{
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    auto net = create();
    ASSERT_TRUE(net);
    std::vector<int> marked;
    for (size_t i = 0; i < net->blocks().size(); ++i)
        if (net->blocks()[i].globalAveragePool)
            marked.push_back(static_cast<int>(i));
    ASSERT_EQ(marked.size(), 1u);
    const int pool = marked[0];
    ASSERT_GT(pool, 0);
    torch::NoGradGuard noGrad;
    const torch::Tensor features = net->forwardTo(pool - 1, input(*fixture));
    ASSERT_EQ(features.dim(), 4);
    ASSERT_GT(features.size(2) * features.size(3), 1) << "a 1×1 map would not tell a pool from a copy";
    const torch::Tensor pooled = net->blocks()[static_cast<size_t>(pool)].run(features);
    ASSERT_EQ(pooled.numel(), features.size(1));
    EXPECT_TRUE(torch::allclose(pooled.reshape({1, -1}), features.mean({2, 3}), 1e-5, 1e-6))
        << net->blocks()[static_cast<size_t>(pool)].name << " is not the mean over all positions";
}

TEST_P(ModelTest, ForwardRecordingRecordsRequestedTaps)
{
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    auto net = create();
    ASSERT_TRUE(net);
    torch::NoGradGuard noGrad;
    const torch::Tensor x = input(*fixture);
    const std::vector<std::string> names = net->blockNames();
    const int middle = static_cast<int>(names.size()) / 2;
    const int beforeHead = static_cast<int>(names.size()) - 3;
    const std::vector<std::string> taps = {names[beforeHead], names[middle], "no.such.block"};

    std::map<std::string, torch::Tensor> outputs;
    const torch::Tensor logits = net->forwardRecording(x, taps, outputs);
    EXPECT_TRUE(torch::allclose(logits, net->forward(x), 1e-5, 1e-6));
    ASSERT_EQ(outputs.size(), 2u);
    for (int i : {middle, beforeHead}) {
        ASSERT_TRUE(outputs.count(names[i])) << names[i];
        EXPECT_TRUE(torch::allclose(outputs[names[i]], net->forwardTo(i, x), 1e-5, 1e-6)) << names[i];
    }
    // A mid-network tap is a feature map.
    EXPECT_EQ(outputs[names[middle]].dim(), 4) << names[middle];
}

TEST_P(ModelTest, NumClassesChangesOnlyTheFinalLayer)
{
    auto net1000 = create(1000);
    auto net10 = create(10);
    ASSERT_TRUE(net1000 && net10);
    EXPECT_EQ(net10->numClasses(), 10);
    const auto shapes1000 = stateDictShapes(*net1000);
    const auto shapes10 = stateDictShapes(*net10);
    ASSERT_EQ(shapes10.size(), shapes1000.size());

    const std::string head = net10->blockNames().back();
    std::set<std::string> changed;
    for (const auto& [key, shape] : shapes1000) {
        ASSERT_TRUE(shapes10.count(key)) << key;
        if (shapes10.at(key) != shape) {
            changed.insert(key);
            ASSERT_FALSE(shape.empty()) << key;
            EXPECT_EQ(shape[0], 1000) << key;
            EXPECT_EQ(shapes10.at(key)[0], 10) << key;
            EXPECT_EQ(key.rfind(head + ".", 0), 0u) << key << " is outside the final block " << head;
        }
    }
    // Exactly the final Linear's weight and bias.
    ASSERT_EQ(changed.size(), 2u);
    const std::string weight = *changed.rbegin();
    const std::string prefix = weight.substr(0, weight.size() - std::string("weight").size());
    EXPECT_EQ(changed, (std::set<std::string>{prefix + "bias", prefix + "weight"}));

    torch::NoGradGuard noGrad;
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    EXPECT_EQ(net10->forward(input(*fixture)).sizes().vec(), (std::vector<int64_t>{1, 10}));
}

INSTANTIATE_TEST_SUITE_P(AllModels, ModelTest, ::testing::ValuesIn(kModelIds),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace convlens
