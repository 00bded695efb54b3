#pragma once
// ConvNeXt-Tiny (torchvision.models.convnext, 0.14), computing exactly what torchvision computes in eval mode.
// Every submodule is registered under torchvision's exact name ("features.3.1.block.3", "...layer_scale").
//
// Block chain: features.0 (stem), features.1.0..features.1.2, features.2 (downsample), features.3.0.., features.4,
// features.5.0.., features.6, features.7.0.., avgpool (module, no flatten), classifier (LayerNorm2d, Flatten, Linear).
//
// Threads/errors: as NetworkImpl. Construction raises c10::Error only for an invalid configuration.

#include "core/models/network.h"

#include <memory>
#include <string>
#include <vector>

namespace convlens {

// One ConvNeXt variant: per stage, its width and number of CNBlocks. A downsampling layer to the next stage's
// width follows every stage but the last.
struct ConvNeXtVariant {
    std::string architecture;
    std::vector<int64_t> channels;
    std::vector<int64_t> depths;
};

class ConvNeXtImpl : public NetworkImpl {
public:
    ConvNeXtImpl(const ConvNeXtVariant& variant, int64_t numClasses);

    // torchvision's module names.
    torch::nn::ModuleList features{nullptr};
    torch::nn::AdaptiveAvgPool2d avgpool{nullptr};
    torch::nn::Sequential classifier{nullptr};
};
TORCH_MODULE(ConvNeXt);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createConvNeXt(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
