#pragma once
// ResNet family (torchvision.models.resnet): resnet18 (BasicBlock) and resnet50 (Bottleneck). Every submodule is
// registered under torchvision's exact name, so torchvision's state_dict keys and shapes are this module's.
//
// Block chain: conv1, bn1, relu, maxpool, layer1.0 ... layer4.<last>, avgpool (also flattens), fc.
// Ownership: the factory returns a shared_ptr; the network owns all its submodules.
// Threads: see NetworkImpl. Errors: an unknown variant in the constructor raises c10::Error (TORCH_CHECK).

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

class ResNetImpl : public NetworkImpl {
public:
    // `architecture` is "resnet18" or "resnet50"; torchvision's default initialisation.
    ResNetImpl(const std::string& architecture, int64_t numClasses);
};
TORCH_MODULE(ResNet);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createResNet(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
