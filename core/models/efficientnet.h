#pragma once
// EfficientNet B0/B2/B3 (torchvision.models.efficientnet, 0.14), computing exactly what torchvision computes in
// eval mode. Every submodule is registered under torchvision's exact name ("features.3.1.block.2.fc1"), so a
// torchvision state_dict loads by name.
//
// Block chain: features.0, features.1.0, ..., features.7.<last> (one block per MBConv), features.8,
// avgpool (adaptive average pool + flatten), classifier.
//
// Threads/errors: as NetworkImpl. Construction raises c10::Error only for an invalid configuration.

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

// One EfficientNet variant: the B0 stage table scaled by width and depth multipliers.
struct EfficientNetVariant {
    std::string architecture;
    double widthMult;
    double depthMult;
    double dropout;  // classifier dropout; the identity in eval mode
};

class EfficientNetImpl : public NetworkImpl {
public:
    EfficientNetImpl(const EfficientNetVariant& variant, int64_t numClasses);

    // torchvision's module names.
    torch::nn::ModuleList features{nullptr};
    torch::nn::AdaptiveAvgPool2d avgpool{nullptr};
    torch::nn::Sequential classifier{nullptr};
};
TORCH_MODULE(EfficientNet);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createEfficientNet(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
