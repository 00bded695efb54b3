#include "core/inspect/cammethod.h"

namespace convlens {

std::unique_ptr<CamMethod> createCamMethod(const std::string& id)
{
    if (id == "gradcam")
        return makeGradCam();
    if (id == "gradcampp")
        return makeGradCamPlusPlus();
    if (id == "xgradcam")
        return makeXGradCam();
    if (id == "layercam")
        return makeLayerCam();
    if (id == "hirescam")
        return makeHiResCam();
    if (id == "eigencam")
        return makeEigenCam();
    if (id == "scorecam")
        return makeScoreCam();
    if (id == "guided")
        return makeGuidedBackprop();
    if (id == "guidedgradcam")
        return makeGuidedGradCam();
    if (id == "gradinput")
        return makeGradientTimesInput();
    if (id == "integratedgradients")
        return makeIntegratedGradients();
    return nullptr;
}

torch::Tensor weightedActivationSum(const torch::Tensor& weights, const torch::Tensor& activations)
{
    // weights [K,C] · activations [1,C,h,w] → [K,h,w]
    return (weights.unsqueeze(-1).unsqueeze(-1) * activations).sum(1);
}

torch::Tensor normalisedHeatmap(const torch::Tensor& grid, int64_t size)
{
    namespace F = torch::nn::functional;
    torch::Tensor m = grid - grid.min();
    m = m / (1e-7 + m.max());
    return F::interpolate(m.view({1, 1, m.size(0), m.size(1)}), F::InterpolateFuncOptions()
                                                                    .size(std::vector<int64_t>{size, size})
                                                                    .mode(torch::kBilinear)
                                                                    .align_corners(false))
        .view({size, size});
}

}  // namespace convlens
