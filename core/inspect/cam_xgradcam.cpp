// XGrad-CAM (Fu et al. 2020), as pytorch-grad-cam's XGradCAM: weights = sum_ij(g * A) / (sum_ij(A) + 1e-7).
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class XGradCam : public CamMethod {
public:
    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const torch::Tensor sumActivations = c.activations.sum({2, 3}, /*keepdim=*/true);
        const torch::Tensor weights = (c.gradients * c.activations / (sumActivations + 1e-7)).sum({2, 3});
        return CamMaps{weightedActivationSum(weights, c.activations, c.options.eigenSmooth)};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeXGradCam()
{
    return std::make_unique<XGradCam>();
}

}  // namespace convlens
