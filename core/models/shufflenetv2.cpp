#include "core/models/shufflenetv2.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createShuffleNetV2(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
