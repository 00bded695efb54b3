#include "core/registry/networkblocknames.h"

// The one registry file that sees torch: the block names live on the network object.
#include "core/models/network.h"
#include "core/models/networkfactory.h"

namespace convlens {

Expected<std::vector<std::string>> networkBlockNames(const std::string& architecture, int numClasses)
{
    try {
        auto network = createNetwork(architecture, numClasses);
        if (!network)
            return network.error();
        return network.value()->blockNames();
    } catch (const c10::Error& e) {
        return makeError("could not build network '" + architecture + "': " + e.what_without_backtrace());
    }
}

}  // namespace convlens
