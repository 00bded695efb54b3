#include "core/models/efficientnet.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createEfficientNet(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
