#include "core/models/networkfactory.h"

#include "core/models/convnext.h"
#include "core/models/densenet.h"
#include "core/models/efficientnet.h"
#include "core/models/mobilenetv2.h"
#include "core/models/mobilenetv3.h"
#include "core/models/network.h"
#include "core/models/resnet.h"
#include "core/models/shufflenetv2.h"

#include <optional>

namespace convlens {

const std::vector<std::string>& architectureIds()
{
    static const std::vector<std::string> ids = {
        "resnet18",           "resnet50",        "mobilenet_v2",       "mobilenet_v3_small",
        "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b2",    "efficientnet_b3",
        "densenet121",        "convnext_tiny",   "shufflenet_v2_x1_0",
    };
    return ids;
}

Expected<std::shared_ptr<NetworkImpl>> createNetwork(const std::string& architecture, int64_t numClasses,
                                                     Initialisation initialisation)
{
    if (numClasses < 1)
        return makeError("num_classes must be at least 1 (got " + std::to_string(numClasses) + ")");

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
        return makeError("could not build network '" + architecture + "': " + e.what_without_backtrace());
    }
    if (!net) {
        std::string known;
        for (const std::string& id : architectureIds())
            known += (known.empty() ? "" : ", ") + id;
        return makeError("unknown architecture '" + architecture + "' (known: " + known + ")");
    }
    net->eval();
    for (auto& p : net->parameters())
        p.set_requires_grad(false);
    return net;
}

}  // namespace convlens
