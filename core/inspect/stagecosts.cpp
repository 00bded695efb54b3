#include "core/inspect/stagecosts.h"

#include "core/inspect/methodcatalogue.h"

namespace convlens {

double analysisCostInForwards(const std::vector<std::string>& methods, int64_t classes, int64_t taps,
                              int64_t camChannels)
{
    // As Analyzer::analyze's stagesOf(): preprocess, forward, feature maps, then with methods the gradients and
    // guided backprop they need, each method, and the faithfulness of each map.
    double cost = kPreprocessCost + 1.0 + kPredictionsCost + kFeatureMapsCostPerTap * static_cast<double>(taps);
    if (methods.empty())
        return cost;
    bool gradients = false, guided = false;
    for (const std::string& id : methods) {
        if (const MethodInfo* method = findMethod(id)) {
            bool needsGuided = false;
            for (std::string_view g : kGuidedBackpropMethods)
                needsGuided |= id == g;
            guided |= needsGuided;
            // The CAM layer's gradients: the layer methods and guided Grad-CAM; not the input-gradient methods,
            // which run their own passes (counted in their cost).
            gradients |= method->needsGradients && (!method->explainsAtInput || id == "guidedgradcam");
        }
        cost += camCost(id, classes, camChannels);
    }
    const auto k = static_cast<double>(classes);
    if (gradients)
        cost += kGradientsCostPerClass * k;
    if (guided)
        cost += kGuidedCostPerClass * k;
    return cost + kFaithfulnessCostPerMap * static_cast<double>(methods.size()) * k;
}

}  // namespace convlens
