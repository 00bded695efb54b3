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
    return nullptr;
}

const std::vector<std::string>& camMethodIds()
{
    static const std::vector<std::string> ids = {"gradcam",  "gradcampp", "xgradcam", "layercam",
                                                 "hirescam", "eigencam",  "scorecam"};
    return ids;
}

torch::Tensor weightedActivationSum(const torch::Tensor& weights, const torch::Tensor& activations)
{
    // weights [K,C] · activations [1,C,h,w] → [K,h,w]
    return (weights.unsqueeze(-1).unsqueeze(-1) * activations).sum(1);
}

}  // namespace convlens
