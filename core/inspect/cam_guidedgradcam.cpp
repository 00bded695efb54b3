// Guided Grad-CAM (Selvaraju et al. 2017), as pytorch-grad-cam's example does it: the Grad-CAM heatmap of the class
// (ReLU, min-max normalised, upsampled to the input) multiplied into each channel of the class's guided backprop
// gradient. The image [3,S,S] is the explanation, its map the saliency max_c |image|.
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class GuidedGradCam : public CamMethod {
public:
    bool needsGuidedGradients() const override { return true; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        Expected<CamMaps> gradCam = makeGradCam()->compute(c);
        if (!gradCam)
            return gradCam;
        const torch::Tensor masks = normalisedHeatmaps(torch::relu(gradCam->maps), c.guidedGradients.size(2));
        const torch::Tensor images = masks.unsqueeze(1) * c.guidedGradients;  // [K,3,S,S]
        return CamMaps{images.abs().amax(1), images};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeGuidedGradCam()
{
    return std::make_unique<GuidedGradCam>();
}

}  // namespace convlens
