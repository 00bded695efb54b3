#pragma once
// Creates one of the eleven ConvLens networks by its torchvision id ("resnet50", "efficientnet_b3", ...).
// The network is returned in eval mode with parameters that do not require grad and torchvision's default
// initialisation; weights are applied separately (core/weights). Any thread may call.

#include "core/common/expected.h"

#include <memory>
#include <string>
#include <vector>

namespace convlens {

class NetworkImpl;

// The architecture ids, in display order.
const std::vector<std::string>& architectureIds();

// Torchvision: the weights torchvision's constructor gives (random, its init scheme). Skip: PyTorch's cheap
// defaults, for a network whose every weight is loaded from a checkpoint right after, or that is only inspected.
enum class Initialisation { Torchvision, Skip };

// Fails with a message listing the known ids when `architecture` is unknown, or when numClasses < 1.
Expected<std::shared_ptr<NetworkImpl>> createNetwork(const std::string& architecture, int64_t numClasses = 1000,
                                                     Initialisation initialisation = Initialisation::Torchvision);

}  // namespace convlens
