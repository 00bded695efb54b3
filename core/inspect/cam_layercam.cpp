// LayerCAM (Jiang et al. 2021), as pytorch-grad-cam's LayerCAM: sum over channels of relu(g) * A, per position.
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class LayerCam : public CamMethod {
public:
    Expected<CamMaps> compute(const CamContext& c) const override
    {
        return CamMaps{channelSum(torch::relu(c.gradients) * c.activations, c.options.eigenSmooth)};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeLayerCam()
{
    return std::make_unique<LayerCam>();
}

}  // namespace convlens
