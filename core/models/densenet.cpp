#include "core/models/densenet.h"

namespace convlens {

// STUB: to be implemented.
std::shared_ptr<NetworkImpl> createDenseNet(const std::string&, int64_t) { return nullptr; }

}  // namespace convlens
