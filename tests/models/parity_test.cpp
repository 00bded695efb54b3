// Parity with torchvision: each network, loaded from the fixture checkpoint (seeded random weights in the
// official file name and serialization), gives torchvision's logits for the fixture input within 1e-4.
// Needs core/weights/weightloader.h (loadWeights); registered in CMake once the loader is merged.

#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/weights/weightloader.h"
#include "tests/models/modelfixture.h"

#include <gtest/gtest.h>

namespace convlens {
namespace {

const std::vector<std::string> kModelIds = {
    "resnet18",        "resnet50",        "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
    "efficientnet_b2", "efficientnet_b3", "densenet121",  "convnext_tiny",      "shufflenet_v2_x1_0",
};

constexpr double kTolerance = 1e-4;

class ParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParityTest, LogitsEqualTorchvision)
{
    auto fixture = test::readModelFixture(GetParam());
    ASSERT_TRUE(fixture.ok()) << fixture.message();
    auto input = test::readFloat32Tensor(fixture->inputPath, fixture->inputShape);
    ASSERT_TRUE(input.ok()) << input.message();
    auto expected = test::readFloat32Tensor(fixture->logitsPath, fixture->logitsShape);
    ASSERT_TRUE(expected.ok()) << expected.message();

    auto net = createNetwork(GetParam(), fixture->logitsShape[1]);
    ASSERT_TRUE(net.ok()) << net.message();
    auto report = loadWeights(**net, fixture->weightsPath);
    ASSERT_TRUE(report.ok()) << report.message();

    torch::NoGradGuard noGrad;
    const torch::Tensor logits = (*net)->forward(*input);
    ASSERT_EQ(logits.sizes(), expected->sizes());
    const double maxDiff = (logits - *expected).abs().max().item<double>();
    EXPECT_LE(maxDiff, kTolerance) << GetParam() << ": max |logits - torchvision| = " << maxDiff;
    // The fixture's logits are far from constant, so agreement is not an accident of a degenerate output.
    EXPECT_GT((*expected).std().item<double>(), 10 * kTolerance);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ParityTest, ::testing::ValuesIn(kModelIds),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace convlens
