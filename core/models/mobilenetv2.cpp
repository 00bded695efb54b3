#include "core/models/mobilenetv2.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createMobileNetV2(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
