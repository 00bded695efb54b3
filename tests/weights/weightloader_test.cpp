#include "core/weights/weightloader.h"

#include "tests/weights/fixtureutil.h"

#include <cmath>

namespace convlens {
namespace {

using test::expectedStateDict;
using test::weightFixture;
namespace nn = torch::nn;

std::shared_ptr<nn::Module> child(nn::Module& parent, const std::string& name)
{
    return parent.register_module(name, std::make_shared<nn::Module>());
}

// The shape of a basic-block resnet (resnet18), shrunk: a bottleneck file (resnet50) does not fit it.
class TinyResnet : public NetworkImpl {
public:
    TinyResnet() : NetworkImpl("tiny_resnet18", 10)
    {
        register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 4, 3).bias(false)));
        auto block = child(*child(*this, "layer1"), "0");
        block->register_module("conv1", nn::Conv2d(nn::Conv2dOptions(4, 4, 1).bias(false)));
        block->register_module("conv2", nn::Conv2d(nn::Conv2dOptions(4, 4, 3).bias(false)));
        register_module("fc", nn::Linear(8, 10));
    }
};

class SmallNet : public NetworkImpl {
public:
    SmallNet() : NetworkImpl("small", 2)
    {
        register_module("conv", nn::Conv2d(nn::Conv2dOptions(3, 4, 3)));
        register_module("fc", nn::Linear(4, 2));
    }
};

// densenet's module names (features.denseblock1.denselayer1.norm1, ...), shrunk.
class TinyDensenet : public NetworkImpl {
public:
    explicit TinyDensenet(std::string architecture) : NetworkImpl(std::move(architecture), 3)
    {
        auto features = child(*this, "features");
        features->register_module("conv0", nn::Conv2d(nn::Conv2dOptions(3, 8, 3).bias(false)));
        auto layer = child(*child(*features, "denseblock1"), "denselayer1");
        layer->register_module("norm1", nn::BatchNorm2d(8));
        layer->register_module("conv1", nn::Conv2d(nn::Conv2dOptions(8, 4, 1).bias(false)));
        register_module("classifier", nn::Linear(4, 3));
    }
};

// Every entry of `expected` equals the network's parameter or buffer of that name.
void expectNetworkHolds(NetworkImpl& net, const StateDict& expected)
{
    std::map<std::string, torch::Tensor> values;
    for (const auto& item : net.named_parameters()) {
        values[item.key()] = item.value();
    }
    for (const auto& item : net.named_buffers()) {
        values[item.key()] = item.value();
    }
    for (const auto& [name, tensor] : expected) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(values.count(name));
        EXPECT_TRUE(torch::equal(values[name], tensor));
    }
}

TEST(WeightLoader, LoadsWrappedPrefixedCheckpoint)
{
    auto net = std::make_shared<SmallNet>();
    auto report = loadWeights(*net, weightFixture("good/wrapped_state_dict.pth"));
    ASSERT_TRUE(report.ok()) << report.message();
    EXPECT_TRUE(report->missing.empty());
    EXPECT_TRUE(report->unexpected.empty());
    EXPECT_TRUE(report->mismatched.empty());
    expectNetworkHolds(*net, expectedStateDict("small"));
}

TEST(WeightLoader, BottleneckFileDoesNotFitBasicBlockNetwork)
{
    auto net = std::make_shared<TinyResnet>();
    const auto before = net->named_parameters()["conv1.weight"].clone();
    auto report = loadWeights(*net, weightFixture("good/bottleneck.pth"));
    ASSERT_FALSE(report.ok());
    const std::string& message = report.message();
    EXPECT_NE(message.find("bottleneck.pth does not fit tiny_resnet18"), std::string::npos) << message;
    EXPECT_NE(message.find("1 unexpected key (layer1.0.conv3.weight)"), std::string::npos) << message;
    EXPECT_NE(message.find("shape mismatch fc.weight [10,16] vs [10,8]"), std::string::npos) << message;
    EXPECT_EQ(message.find("missing"), std::string::npos) << message;
    // A refused file leaves the network as it was.
    EXPECT_TRUE(torch::equal(net->named_parameters()["conv1.weight"], before));
}

TEST(WeightLoader, ReportsMissingKeys)
{
    auto net = std::make_shared<SmallNet>();
    StateDict sd = expectedStateDict("small");
    sd.erase(sd.begin());  // conv.weight
    auto report = applyStateDict(*net, sd, "/somewhere/small.pth");
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find("small.pth does not fit small: 1 missing key (conv.weight)"), std::string::npos)
        << report.message();
}

// A checkpoint holding NaN or infinity, or a negative BatchNorm variance, is refused: it would give "nan%"
// predictions. Nothing of it reaches the network.
TEST(WeightLoader, RefusesNonFiniteValuesAndNegativeVariances)
{
    auto net = std::make_shared<SmallNet>();
    const torch::Tensor before = net->named_parameters()["fc.weight"].clone();
    for (const double bad : {std::nan(""), HUGE_VAL}) {
        StateDict sd = expectedStateDict("small");
        for (auto& [name, tensor] : sd)
            if (name == "fc.weight") {
                tensor = tensor.clone();
                tensor.view(-1)[1] = bad;
            }
        auto report = applyStateDict(*net, sd, "/somewhere/small.pth");
        ASSERT_FALSE(report.ok());
        EXPECT_EQ(report.kind(), ErrorKind::Weights);
        EXPECT_NE(report.message().find("small.pth holds NaN or infinite values in 1 tensor (fc.weight)"),
                  std::string::npos)
            << report.message();
        EXPECT_TRUE(torch::equal(net->named_parameters()["fc.weight"], before));
    }

    auto densenet = std::make_shared<TinyDensenet>("densenet121");
    StateDict sd;
    for (const auto& item : densenet->named_parameters())
        sd.emplace_back(item.key(), item.value().detach().clone());
    for (const auto& item : densenet->named_buffers())
        sd.emplace_back(item.key(), item.value().clone());
    ASSERT_TRUE(applyStateDict(*densenet, sd, "dense.pth").ok());
    for (auto& [name, tensor] : sd)
        if (name == "features.denseblock1.denselayer1.norm1.running_var")
            tensor[0] = -1.0;
    auto report = applyStateDict(*densenet, sd, "dense.pth");
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find("negative BatchNorm variance in 1 tensor "
                                    "(features.denseblock1.denselayer1.norm1.running_var)"),
              std::string::npos)
        << report.message();
}

TEST(WeightLoader, ConvertsDtypeIntoNetworkParameters)
{
    auto net = std::make_shared<SmallNet>();
    StateDict sd = expectedStateDict("small");
    for (auto& [name, tensor] : sd) {
        tensor = tensor.to(torch::kFloat16);
    }
    auto report = applyStateDict(*net, sd, "half.pth");
    ASSERT_TRUE(report.ok()) << report.message();
    EXPECT_EQ(net->named_parameters()["fc.weight"].scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(net->named_parameters()["fc.weight"], sd[2].second.to(torch::kFloat32)));
}

TEST(WeightLoader, RemapsDensenetKeys)
{
    StateDict sd;
    for (const char* name :
         {"features.denseblock2.denselayer10.norm.2.running_var", "features.denseblock1.denselayer1.conv.1.weight",
          "features.norm0.weight", "features.denseblock1.denselayer1.relu.3.weight", "classifier.bias"}) {
        sd.emplace_back(name, torch::zeros({1}));
    }
    const StateDict renamed = remapDensenetKeys(sd);
    EXPECT_EQ(renamed[0].first, "features.denseblock2.denselayer10.norm2.running_var");
    EXPECT_EQ(renamed[1].first, "features.denseblock1.denselayer1.conv1.weight");
    EXPECT_EQ(renamed[2].first, "features.norm0.weight");
    EXPECT_EQ(renamed[3].first, "features.denseblock1.denselayer1.relu.3.weight");
    EXPECT_EQ(renamed[4].first, "classifier.bias");
}

TEST(WeightLoader, LoadsOldDensenetNamesOnlyIntoDensenets)
{
    auto densenet = std::make_shared<TinyDensenet>("densenet_tiny");
    auto report = loadWeights(*densenet, weightFixture("good/densenet_old_names.pth"));
    ASSERT_TRUE(report.ok()) << report.message();
    expectNetworkHolds(*densenet, expectedStateDict("densenet_old_names"));

    auto other = std::make_shared<TinyDensenet>("notdense");
    auto refused = loadWeights(*other, weightFixture("good/densenet_old_names.pth"));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("features.denseblock1.denselayer1.norm.1.weight"), std::string::npos)
        << refused.message();
    EXPECT_NE(refused.message().find("missing key"), std::string::npos) << refused.message();
}

TEST(WeightLoader, UnreadableFileIsAnError)
{
    auto net = std::make_shared<SmallNet>();
    const std::string path = weightFixture("hostile/os_system.zip.pth");
    auto report = loadWeights(*net, path);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find(path), std::string::npos) << report.message();
}

}  // namespace
}  // namespace convlens
