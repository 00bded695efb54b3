#pragma once
// MobileNetV3 family (torchvision.models.mobilenetv3): mobilenet_v3_small and mobilenet_v3_large. Every submodule
// is registered under torchvision's exact name, so torchvision's state_dict keys and shapes are this module's.
//
// Block chain: features.0 ... features.<last>, avgpool (also flattens), classifier.
// Ownership: the factory returns a shared_ptr; the network owns all its submodules.
// Threads: see NetworkImpl. Errors: an unknown variant in the constructor raises c10::Error (TORCH_CHECK).

#include "core/models/network.h"

#include <memory>
#include <string>

namespace convlens {

class MobileNetV3Impl : public NetworkImpl {
public:
    // `architecture` is "mobilenet_v3_small" or "mobilenet_v3_large"; torchvision's default initialisation.
    MobileNetV3Impl(const std::string& architecture, int64_t numClasses);
};
TORCH_MODULE(MobileNetV3);

// Returns the network for a torchvision id of this family, or nullptr when the id is not one of this family.
std::shared_ptr<NetworkImpl> createMobileNetV3(const std::string& architecture, int64_t numClasses);

}  // namespace convlens
