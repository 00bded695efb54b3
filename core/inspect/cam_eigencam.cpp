// EigenCAM (Muhammad & Yeasin 2020), as pytorch-grad-cam's get_2d_projection: the activations as an (h·w) × C
// matrix, centred per channel (column mean), projected on the first right singular vector. Class independent:
// every class gets the same map. NaNs are zeroed as the reference does.
//
// The sign of a singular vector is arbitrary; like the reference we do not fix it, and take it from LAPACK's
// gesdd through torch::linalg_svd(full_matrices=false) (the test's Python reference calls the same routine).
#include "core/inspect/cammethod.h"

namespace convlens {

namespace {

class EigenCam : public CamMethod {
public:
    bool needsGradients() const override { return false; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const torch::Tensor projection = firstComponentProjection(c.activations[0]).unsqueeze(0);
        return CamMaps{
            projection.expand({static_cast<int64_t>(c.classes.size()), projection.size(1), projection.size(2)})
                .contiguous()};
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeEigenCam()
{
    return std::make_unique<EigenCam>();
}

}  // namespace convlens
