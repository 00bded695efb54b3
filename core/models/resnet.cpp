#include "core/models/resnet.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createResNet(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
