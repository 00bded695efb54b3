#include "core/registry/networkblocknames.h"

// The one registry file that sees torch: the block names live on the network object.
#include "core/models/network.h"
#include "core/models/networkfactory.h"

#include <algorithm>

namespace convlens {

Expected<std::vector<std::string>> networkBlockNames(const std::string& architecture, int numClasses)
{
    try {
        auto network = createNetwork(architecture, numClasses);
        if (network)
            return network.value()->blockNames();
        const std::vector<std::string>& known = architectureIds();
        if (std::find(known.begin(), known.end(), architecture) != known.end())
            return makeError("network '" + architecture +
                             "' could not be built; its family is missing or broken in "
                             "this build of ConvLens (" +
                             network.message() + ")");
        return makeError("network '" + architecture + "' could not be built (" + network.message() + ")");
    } catch (const c10::Error& e) {
        return makeError("could not build network '" + architecture + "': " + e.what_without_backtrace());
    }
}

}  // namespace convlens
