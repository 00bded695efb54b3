#include "core/registry/networkblocknames.h"

// The one registry file that sees torch: the block names live on the network object.
#include "core/models/network.h"
#include "core/models/networkfactory.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

namespace convlens {

namespace {

Expected<std::vector<std::string>> buildAndListBlocks(const std::string& architecture, int numClasses)
{
    try {
        auto network = createNetwork(architecture, numClasses, Initialisation::Skip);
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

}  // namespace

Expected<std::vector<std::string>> networkBlockNames(const std::string& architecture, int numClasses)
{
    // The chain depends only on the architecture and the class count; registries are loaded more than once
    // (the CLI, every view of the GUI), and building a ResNet-50 just to read its names is not free.
    static std::mutex mutex;
    static std::map<std::pair<std::string, int>, Expected<std::vector<std::string>>> cache;
    const std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_pair(architecture, numClasses);
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.emplace(key, buildAndListBlocks(architecture, numClasses)).first;
    return it->second;
}

}  // namespace convlens
