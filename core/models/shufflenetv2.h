#pragma once
// ShuffleNetV2 family (torchvision.models.shufflenetv2): shufflenet_v2_x1_0. Every submodule is registered under
// torchvision's exact name, so torchvision's state_dict keys and shapes are this module's.
//
// Block chain: conv1, maxpool, stage2.0 ... stage4.<last>, conv5, pool (mean over H and W), fc.
// Ownership: the factory returns a shared_ptr; the network owns all its submodules.
// Threads: see NetworkImpl. Errors: an unknown variant in the constructor raises c10::Error (TORCH_CHECK).

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

class ShuffleNetV2Impl : public NetworkImpl {
public:
    // `architecture` is "shufflenet_v2_x1_0"; PyTorch's default initialisation, as in torchvision.
    ShuffleNetV2Impl(const std::string& architecture, int64_t numClasses);
};
TORCH_MODULE(ShuffleNetV2);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createShuffleNetV2(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
