#pragma once
// ResNet family (torchvision.models). Every submodule is registered under torchvision's exact name.

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createResNet(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
