#pragma once
// MobileNetV2 (torchvision.models.mobilenetv2), and torchvision.ops.Conv2dNormActivation, which MobileNetV3 reuses.
// Every submodule is registered under torchvision's exact name, so torchvision's state_dict keys and shapes are
// this module's.
//
// Block chain: features.0 ... features.18, pool (adaptive_avg_pool2d(1) + flatten), classifier.
// Ownership: the factory returns a shared_ptr; the network owns all its submodules.
// Threads: see NetworkImpl. Errors: an unknown variant in the constructor raises c10::Error (TORCH_CHECK).

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

// The activation that closes a Conv2dNormActivation; None leaves it out (no child "2").
enum class ConvActivation { None, ReLU, ReLU6, Hardswish, SiLU };

struct ConvNormActivationOptions {
    int64_t in = 0;
    int64_t out = 0;
    int64_t kernel = 3;
    int64_t stride = 1;
    int64_t groups = 1;
    int64_t dilation = 1;
    ConvActivation activation = ConvActivation::ReLU;
    double bnEps = 1e-5;
    double bnMomentum = 0.1;
};

// torchvision.ops.Conv2dNormActivation: a Sequential of Conv2d "0" (padding (kernel-1)/2*dilation, no bias),
// BatchNorm2d "1" and, unless ConvActivation::None, the activation "2". Its forward is not a template, so it can
// be a child of another Sequential (LibTorch's AnyModule cannot hold a plain Sequential).
class Conv2dNormActivationImpl : public torch::nn::SequentialImpl {
public:
    explicit Conv2dNormActivationImpl(const ConvNormActivationOptions& options);
    torch::Tensor forward(const torch::Tensor& x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Conv2dNormActivation);

// torchvision's _make_divisible: `v` rounded to a multiple of `divisor` (at least `divisor`), never down by
// more than 10%.
int64_t makeDivisible(double v, int64_t divisor);

// Hardswish / Hardsigmoid as modules (LibTorch 1.13 has only the functions); they hold no state.
torch::nn::Functional hardswishModule();
torch::nn::Functional hardsigmoidModule();

// torchvision's MobileNet V2/V3 initialisation: Kaiming-normal (fan out) convolutions, unit BatchNorm,
// N(0, 0.01) Linear weights, zero biases.
void initialiseMobileNet(torch::nn::Module& root);

class MobileNetV2Impl : public NetworkImpl {
public:
    // `architecture` is "mobilenet_v2" (width 1.0); torchvision's default initialisation.
    MobileNetV2Impl(const std::string& architecture, int64_t numClasses);
};
TORCH_MODULE(MobileNetV2);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createMobileNetV2(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
