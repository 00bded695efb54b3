#include "core/models/convnext.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createConvNeXt(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
