// HiResCAM (Draelos & Carin 2020), as pytorch-grad-cam's HiResCAM: sum over channels of g * A, per position.
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class HiResCam : public CamMethod {
public:
    Expected<CamMaps> compute(const CamContext& c) const override
    {
        return CamMaps{channelSum(c.gradients * c.activations, c.options.eigenSmooth)};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeHiResCam()
{
    return std::make_unique<HiResCam>();
}

}  // namespace convlens
