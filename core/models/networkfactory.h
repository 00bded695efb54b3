#pragma once
// Creates one of the eleven ConvLens networks by its torchvision id ("resnet50", "efficientnet_b3", ...), and
// checks a registry entry against the network it describes. The network is returned in eval mode with parameters
// that do not require grad and torchvision's default initialisation; weights are applied separately
// (core/weights). The caller owns the returned network. Any thread may call. Failure: an Error, never a throw.

#include "core/common/expected.h"
#include "core/registry/modelspec.h"

#include <memory>
#include <string>
#include <vector>

namespace convlens {

class NetworkImpl;

// architectureIds() (core/registry/modelspec.h) lists the ids createNetwork knows.

// Torchvision: the weights torchvision's constructor gives (random, its init scheme). Skip: PyTorch's cheap
// defaults, for a network whose every weight is loaded from a checkpoint right after, or that is only inspected.
enum class Initialisation { Torchvision, Skip };

// Fails (BadInput) with a message listing the known ids when `architecture` is unknown, or when numClasses < 1.
Expected<std::shared_ptr<NetworkImpl>> createNetwork(const std::string& architecture, int64_t numClasses = 1000,
                                                     Initialisation initialisation = Initialisation::Torchvision);

// The network of a registry entry: createNetwork(spec.architecture, spec.numClasses, initialisation), then
// checkBlocks(spec, network).
Expected<std::shared_ptr<NetworkImpl>> createNetwork(const ModelSpec& spec, Initialisation initialisation);

// Whether the stages of `spec` list exactly the blocks of `network` (its blockNames()), each once, in forward
// order. The registry is only a schema parser, so a user registry naming blocks its network does not have is
// caught here, wherever a network is built for a spec. Failure: BadInput, naming the model id, the first block
// that differs and that the registry's stages must match the network.
Expected<void> checkBlocks(const ModelSpec& spec, const NetworkImpl& network);

}  // namespace convlens
