// Guided backprop's rule (core/inspect/guidedbackprop.h) on each activation function alone, against the
// derivative autograd computes for the plain function: f'(x) · max(g, 0); the squeeze-excitation gates untouched;
// hooks that stay on their own graph; one batched pass equal to K separate passes on a real network.

#include "core/inspect/guidedbackprop.h"
#include "core/inspect/guidedimage.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/weights/weightloader.h"
#include "tests/models/modelfixture.h"

#include <gtest/gtest.h>

#include <atomic>

#include <functional>
#include <string>
#include <vector>

using namespace convlens;

namespace {

using Activation = std::function<torch::Tensor(const torch::Tensor&)>;

// -8 .. 8 in steps of 0.1: both signs, the kinks at 0, ±3 and 6 and the flat parts beyond them.
torch::Tensor samplePoints()
{
    return torch::linspace(-8.0, 8.0, 161, torch::kFloat32);
}

// Incoming gradients of both signs.
torch::Tensor incomingGradients(int64_t n)
{
    torch::manual_seed(5);
    return torch::randn({n});
}

// f'(x) as autograd computes it for the unmodified function.
torch::Tensor plainDerivative(const Activation& f, const torch::Tensor& x)
{
    const torch::Tensor leaf = x.clone().requires_grad_(true);
    const torch::Tensor y = f(leaf);
    return torch::autograd::grad({y}, {leaf}, {torch::ones_like(y)})[0];
}

// d/dx sum(f(x) · w) with the graph guided; `hooked` receives the number of hooked nodes.
torch::Tensor guidedGradient(const Activation& f, const torch::Tensor& x, const torch::Tensor& w, int& hooked)
{
    const torch::Tensor leaf = x.clone().requires_grad_(true);
    const torch::Tensor objective = (f(leaf) * w).sum();
    hooked = guideActivations(objective);
    objective.backward();
    return leaf.grad();
}

}  // namespace

TEST(GuidedBackprop, EachActivationPassesItsDerivativeTimesThePositiveGradient)
{
    torch::nn::ReLU6 relu6;
    const std::vector<std::pair<std::string, Activation>> activations = {
        {"relu", [](const torch::Tensor& x) { return torch::relu(x); }},
        {"relu6", [&](const torch::Tensor& x) { return relu6(x); }},
        {"hardswish", [](const torch::Tensor& x) { return torch::hardswish(x); }},
        {"silu", [](const torch::Tensor& x) { return torch::silu(x); }},
        {"gelu", [](const torch::Tensor& x) { return torch::gelu(x); }},
    };
    const torch::Tensor x = samplePoints();
    const torch::Tensor w = incomingGradients(x.size(0));
    for (const auto& [name, f] : activations) {
        SCOPED_TRACE(name);
        int hooked = 0;
        const torch::Tensor guided = guidedGradient(f, x, w, hooked);
        EXPECT_EQ(hooked, 1);
        const torch::Tensor derivative = plainDerivative(f, x);
        EXPECT_LE((guided - derivative * torch::relu(w)).abs().max().item<float>(), 1e-6f);
        // Not the plain gradient: negative incoming gradients were stopped where f' is not zero.
        EXPECT_GT((guided - derivative * w).abs().max().item<float>(), 0.1f);
    }
    // ReLU exactly as pytorch-grad-cam's GuidedBackpropReLU: grad · (x > 0) · (grad > 0).
    int hooked = 0;
    const torch::Tensor guided = guidedGradient([](const torch::Tensor& v) { return torch::relu(v); }, x, w, hooked);
    EXPECT_TRUE(torch::equal(guided, w * (x > 0).to(torch::kFloat32) * (w > 0).to(torch::kFloat32)));
}

TEST(GuidedBackprop, SqueezeExcitationGatesKeepTheirDerivative)
{
    const torch::Tensor x = samplePoints();
    const torch::Tensor w = incomingGradients(x.size(0));
    for (const Activation& f : std::vector<Activation>{[](const torch::Tensor& v) { return torch::sigmoid(v); },
                                                       [](const torch::Tensor& v) { return torch::hardsigmoid(v); }}) {
        int hooked = -1;
        const torch::Tensor guided = guidedGradient(f, x, w, hooked);
        EXPECT_EQ(hooked, 0);
        EXPECT_LE((guided - plainDerivative(f, x) * w).abs().max().item<float>(), 1e-6f);
    }
}

TEST(GuidedBackprop, HooksStayOnTheirOwnGraph)
{
    const torch::Tensor x = samplePoints();
    const torch::Tensor w = incomingGradients(x.size(0));
    const Activation relu = [](const torch::Tensor& v) { return torch::relu(v); };
    int hooked = 0;
    guidedGradient(relu, x, w, hooked);
    ASSERT_EQ(hooked, 1);
    // A new graph after the guided one: the plain gradient, negative parts included.
    const torch::Tensor leaf = x.clone().requires_grad_(true);
    (relu(leaf) * w).sum().backward();
    EXPECT_TRUE(torch::equal(leaf.grad(), w * (x > 0).to(torch::kFloat32)));
}

// Batch items are independent in eval mode, so the K-batch gives what K single passes give, on a network with
// ReLU, Hardswish, Hardsigmoid gates and residuals; a repeated class must work too.
TEST(GuidedBackprop, OneBatchedPassEqualsSeparatePasses)
{
    auto fixture = test::readModelFixture("mobilenet_v3_large");
    ASSERT_TRUE(fixture) << fixture.message();
    auto net = createNetwork("mobilenet_v3_large", 1000, Initialisation::Skip);
    ASSERT_TRUE(net) << net.message();
    ASSERT_TRUE(loadWeights(**net, fixture->weightsPath));
    auto input = test::readFloat32Tensor(fixture->inputPath, fixture->inputShape);
    ASSERT_TRUE(input) << input.message();
    const torch::Tensor x = input->slice(0, 0, 1);
    const std::vector<int64_t> classes = {3, 917, 3};
    torch::NoGradGuard noGrad;  // as the Analyzer calls it
    const torch::Tensor batched = guidedInputGradients(**net, x, classes);
    ASSERT_EQ(batched.sizes(), (std::vector<int64_t>{3, 3, x.size(2), x.size(3)}));
    for (size_t k = 0; k < classes.size(); ++k) {
        const torch::Tensor single = guidedInputGradients(**net, x, {classes[k]})[0];
        const float scale = single.abs().max().item<float>();
        ASSERT_GT(scale, 0.0f);
        EXPECT_LE((batched[static_cast<int64_t>(k)] - single).abs().max().item<float>(), 1e-5f * scale) << k;
    }
    EXPECT_FALSE(torch::allclose(batched[0], batched[1])) << "different classes should explain differently";
    // With a cancel flag the classes run one pass each (stoppable between them): the same gradients; a set flag
    // stops it with nothing.
    std::atomic<bool> cancel{false};
    const torch::Tensor stoppable = guidedInputGradients(**net, x, classes, &cancel);
    ASSERT_TRUE(stoppable.defined());
    EXPECT_LE((stoppable - batched).abs().max().item<float>(), 1e-5f * batched.abs().max().item<float>());
    cancel = true;
    EXPECT_FALSE(guidedInputGradients(**net, x, classes, &cancel).defined());
    EXPECT_FALSE(torch::GradMode::is_enabled()) << "the pass must restore the caller's grad mode";
    for (const auto& p : (*net)->parameters())
        EXPECT_FALSE(p.grad().defined()) << "parameters must not collect gradients";
}

// The display image (guidedimage.h): none for layer methods or a mismatched size; zero gradient is mid gray.
TEST(GuidedImage, NullWithoutAnImageAndGrayAtZero)
{
    CamResult cam;
    cam.heatmapSize = 4;
    EXPECT_TRUE(guidedImage(cam).isNull()) << "a layer method has no guided image";
    cam.guided.assign(3 * 16 - 1, 0.0f);
    EXPECT_TRUE(guidedImage(cam).isNull()) << "size mismatch";
    cam.guided.assign(3 * 16, 0.0f);
    cam.guided[5] = 1.0f;  // red channel, pixel (1,1): brighter than gray; everything else slightly below it
    const QImage image = guidedImage(cam);
    ASSERT_EQ(image.format(), QImage::Format_RGB888);
    ASSERT_EQ(image.size(), QSize(4, 4));
    EXPECT_GT(qRed(image.pixel(1, 1)), 127);
    EXPECT_EQ(qGreen(image.pixel(1, 1)), qGreen(image.pixel(0, 0)));
    EXPECT_LT(qRed(image.pixel(0, 0)), 127);
    EXPECT_GT(qRed(image.pixel(0, 0)), 120);
}
