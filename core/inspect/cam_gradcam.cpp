// Grad-CAM (Selvaraju et al. 2017), as pytorch-grad-cam's GradCAM: channel weights = mean of the gradients over
// the spatial positions.
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class GradCam : public CamMethod {
public:
    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const torch::Tensor weights = c.gradients.mean({2, 3});  // [K,C]
        return CamMaps{weightedActivationSum(weights, c.activations, c.options.eigenSmooth)};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeGradCam()
{
    return std::make_unique<GradCam>();
}

}  // namespace convlens
