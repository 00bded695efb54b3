// Grad-CAM++ (Chattopadhay et al. 2018), as pytorch-grad-cam's GradCAMPlusPlus:
//   alpha = g² / (2 g² + sum_ij(A) g³ + 1e-6), alpha = 0 where g = 0
//   weights = sum_ij(relu(g) * alpha)
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class GradCamPlusPlus : public CamMethod {
public:
    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const torch::Tensor& g = c.gradients;
        const torch::Tensor g2 = g * g;
        const torch::Tensor g3 = g2 * g;
        const torch::Tensor sumActivations = c.activations.sum({2, 3}, /*keepdim=*/true);  // [1,C,1,1]
        torch::Tensor alpha = g2 / (2 * g2 + sumActivations * g3 + 1e-6);
        alpha = torch::where(g != 0, alpha, torch::zeros_like(alpha));
        const torch::Tensor weights = (torch::relu(g) * alpha).sum({2, 3});
        return CamMaps{weightedActivationSum(weights, c.activations, c.options.eigenSmooth)};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeGradCamPlusPlus()
{
    return std::make_unique<GradCamPlusPlus>();
}

}  // namespace convlens
