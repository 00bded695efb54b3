#pragma once
// The block names of a real ConvLens network, for validating a registry against it. Builds the network
// (createNetwork), so it costs what building one costs; any thread may call.

#include "core/common/expected.h"

#include <string>
#include <vector>

namespace convlens {

// createNetwork(architecture, numClasses)->blockNames(), or createNetwork's error.
Expected<std::vector<std::string>> networkBlockNames(const std::string& architecture, int numClasses);

}  // namespace convlens
