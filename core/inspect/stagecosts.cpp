#include "core/inspect/stagecosts.h"

#include "core/inspect/methodcatalogue.h"

#include <algorithm>

namespace convlens {

double camCost(const std::string& id, int64_t classes, int64_t channels, const MethodOptions& options, int64_t crop)
{
    double cost = 0.0;
    if (id == "scorecam" || id == "fasterscorecam") {
        const int64_t scored = id == "scorecam" ? channels : std::min<int64_t>(channels, kFasterScoreCamChannels);
        cost = kScoreCamCostPerChannel * static_cast<double>(scored);
    } else if (id == "occlusion") {
        const auto axis = static_cast<double>(
            occlusionStarts(crop, std::max(1, options.occlusionWindow), std::max(1, options.occlusionStride)).size());
        cost = kOcclusionCostPerWindow * axis * axis;
    } else {
        for (const auto& [method, perClass] : kCamCostPerClass)
            if (method == id)
                cost = perClass * static_cast<double>(classes);
        if (id == "integratedgradients")
            cost *= std::max(2, options.integratedGradientsSteps);
    }
    const MethodInfo* method = findMethod(id);
    if (options.augSmooth && method && method->usesCamLayer && !method->explainsAtInput)
        cost = 6.0 * cost + 5.0 * (1.0 + kGradientsCostPerClass * static_cast<double>(classes));
    return cost;
}

double analysisCostInForwards(const std::vector<std::string>& methods, int64_t classes, int64_t taps,
                              int64_t camChannels, const MethodOptions& options, int64_t crop)
{
    // The stages of Analyzer::analyze's stagesOf() (their order does not change the sum): preprocess, forward,
    // feature maps, with methods the gradients and guided backprop they need, each method, the faithfulness of
    // each map and its ROAD when asked.
    double cost = kPreprocessCost + 1.0 + kPredictionsCost + kFeatureMapsCostPerTap * static_cast<double>(taps);
    if (methods.empty())
        return cost;
    bool gradients = false, guided = false;
    for (const std::string& id : methods) {
        if (const MethodInfo* method = findMethod(id)) {
            guided |= method->needsGuidedPass;
            gradients |= method->needsCamGradients;
        }
        cost += camCost(id, classes, camChannels, options, crop);
    }
    const auto k = static_cast<double>(classes);
    const auto maps = static_cast<double>(methods.size()) * k;
    if (gradients)
        cost += kGradientsCostPerClass * k;
    if (guided)
        cost += kGuidedCostPerClass * k;
    if (options.road)
        cost += kRoadCostPerMap * maps;
    return cost + kFaithfulnessCostPerMap * maps;
}

std::vector<int64_t> occlusionStarts(int64_t size, int64_t window, int64_t stride)
{
    // Captum: ceil((size − window) / stride) + 1 shifts; a window larger than the image sits once at 0.
    window = std::max<int64_t>(1, window);
    stride = std::max<int64_t>(1, stride);
    const int64_t shifts = size > window ? (size - window + stride - 1) / stride + 1 : 1;
    std::vector<int64_t> starts;
    for (int64_t i = 0; i < shifts; ++i)
        starts.push_back(i * stride);
    return starts;
}

}  // namespace convlens
