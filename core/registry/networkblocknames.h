#pragma once
// The block names of a real ConvLens network, for validating a registry against it. Builds the network once per
// (architecture, num_classes) and process, without weight initialisation; any thread may call.

#include "core/common/expected.h"

#include <string>
#include <vector>

namespace convlens {

// createNetwork(architecture, numClasses)->blockNames(), or createNetwork's error.
Expected<std::vector<std::string>> networkBlockNames(const std::string& architecture, int numClasses);

}  // namespace convlens
