#pragma once
// DenseNet-121 (torchvision.models.densenet, 0.14), computing exactly what torchvision computes in eval mode.
// Every submodule is registered under torchvision's current name ("features.denseblock2.denselayer3.norm1");
// the legacy "norm.1" names of the official checkpoint are the weight loader's business.
//
// Block chain: features.conv0, features.norm0, features.relu0, features.pool0, features.denseblock1,
// features.transition1, ..., features.denseblock4, features.norm5, relu (F.relu), pool (adaptive average pool +
// flatten), classifier.
//
// Threads/errors: as NetworkImpl. Construction raises c10::Error only for an invalid configuration.

#include "core/models/network.h"

#include <array>
#include <memory>
#include <string>

namespace convlens {

// One DenseNet-BC variant.
struct DenseNetVariant {
    std::string architecture;
    int64_t growthRate;
    std::array<int64_t, 4> blockConfig;  // dense layers per block
    int64_t numInitFeatures;
    int64_t bnSize;  // bottleneck width = bnSize * growthRate
};

class DenseNetImpl : public NetworkImpl {
public:
    DenseNetImpl(const DenseNetVariant& variant, int64_t numClasses);

    // torchvision's module names.
    torch::nn::ModuleDict features{nullptr};
    torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DenseNet);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createDenseNet(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
