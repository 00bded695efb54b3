#include "core/models/networkfactory.h"

#include "core/models/convnext.h"
#include "core/models/densenet.h"
#include "core/models/efficientnet.h"
#include "core/models/mobilenetv2.h"
#include "core/models/mobilenetv3.h"
#include "core/models/network.h"
#include "core/models/resnet.h"
#include "core/models/shufflenetv2.h"

#include <algorithm>
#include <optional>

namespace convlens {

namespace {

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const std::string& name : names)
        text += (text.empty() ? "" : ", ") + name;
    return text;
}

bool contains(const std::vector<std::string>& names, const std::string& name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Expected<std::shared_ptr<NetworkImpl>> createNetwork(const std::string& architecture, int64_t numClasses,
                                                     Initialisation initialisation)
{
    if (numClasses < 1)
        return makeError(ErrorKind::BadInput,
                         "num_classes must be at least 1 (got " + std::to_string(numClasses) + ")");

    std::shared_ptr<NetworkImpl> net;
    std::optional<SkipInitialisation> skip;
    if (initialisation == Initialisation::Skip)
        skip.emplace();
    try {
        // Each family returns nullptr for a variant it does not know.
        for (auto create : {createResNet, createMobileNetV2, createMobileNetV3, createEfficientNet, createDenseNet,
                            createConvNeXt, createShuffleNetV2}) {
            net = create(architecture, numClasses);
            if (net)
                break;
        }
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal,
                         "could not build network '" + architecture + "': " + e.what_without_backtrace());
    }
    if (!net) {
        std::string known;
        for (const std::string& id : architectureIds())
            known += (known.empty() ? "" : ", ") + id;
        return makeError(ErrorKind::BadInput, "unknown architecture '" + architecture + "' (known: " + known + ")");
    }
    net->eval();
    for (auto& p : net->parameters())
        p.set_requires_grad(false);
    return net;
}

Expected<std::shared_ptr<NetworkImpl>> createNetwork(const ModelSpec& spec, Initialisation initialisation)
{
    auto net = createNetwork(spec.architecture, spec.numClasses, initialisation);
    if (!net)
        return net.error().withContext(spec.id);
    if (Expected<void> checked = checkBlocks(spec, **net); !checked)
        return checked.error();
    return net;
}

Expected<void> checkBlocks(const ModelSpec& spec, const NetworkImpl& network)
{
    const std::vector<std::string> actual = network.blockNames();
    const std::vector<std::string> listed = spec.blocks();
    if (listed == actual)
        return {};

    // The first position where they differ, said as what to change in the registry.
    std::size_t i = 0;
    while (i < listed.size() && i < actual.size() && listed[i] == actual[i])
        ++i;
    const std::string& arch = spec.architecture;
    std::string problem;
    if (i < listed.size() && !contains(actual, listed[i]))
        problem = "'" + listed[i] + "' (stage " + spec.stageOfBlock(listed[i]) + ") is not a block of " + arch;
    else if (i < actual.size() && !contains(listed, actual[i]))
        problem = "block '" + actual[i] + "' of " + arch + " is in no stage";
    else if (i < listed.size() && i < actual.size())
        problem = "'" + listed[i] + "' (stage " + spec.stageOfBlock(listed[i]) + ") is out of order: " + arch +
                  " runs '" + actual[i] + "' before it";
    else
        problem = "'" + (i < listed.size() ? listed[i] : actual[i]) + "' is listed more than once";
    return makeError(ErrorKind::BadInput,
                     spec.id + ": the registry's stages do not match the " + arch + " network: " + problem +
                         ". The stages must list every block of the network once, in forward order (" + arch + ": " +
                         joined(actual) + ")");
}

}  // namespace convlens
