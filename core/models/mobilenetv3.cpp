#include "core/models/mobilenetv3.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createMobileNetV3(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
