// Guided backprop (Springenberg et al. 2015), as pytorch-grad-cam's GuidedBackpropReLUModel: the gradient of the
// class logit with respect to the input image, with every activation's backward pass gated to positive incoming
// gradients (the rule and how it is applied: guidedbackprop.h). Class-sensitive only through the logit; the
// image [3,S,S] is the explanation, its map the saliency max_c |image| (Simonyan et al. 2014).
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class GuidedBackprop : public CamMethod {
public:
    bool needsGradients() const override { return false; }
    bool needsGuidedGradients() const override { return true; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const torch::Tensor& images = c.guidedGradients;  // [K,3,S,S]
        return CamMaps{images.abs().amax(1), images};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeGuidedBackprop()
{
    return std::make_unique<GuidedBackprop>();
}

}  // namespace convlens
