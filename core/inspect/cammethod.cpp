#include "core/inspect/cammethod.h"

#include "core/inspect/bilinearresize.h"
#include "core/inspect/parallelfor.h"

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
    if (id == "fasterscorecam")
        return makeFasterScoreCam();
    if (id == "guided")
        return makeGuidedBackprop();
    if (id == "guidedgradcam")
        return makeGuidedGradCam();
    if (id == "gradinput")
        return makeGradientTimesInput();
    if (id == "integratedgradients")
        return makeIntegratedGradients();
    if (id == "occlusion")
        return makeOcclusion();
    return nullptr;
}

torch::Tensor weightedActivationSum(const torch::Tensor& weights, const torch::Tensor& activations, bool eigenSmooth)
{
    // weights [K,C] · activations [1,C,h,w] → [K,h,w]
    return channelSum(weights.unsqueeze(-1).unsqueeze(-1) * activations, eigenSmooth);
}

torch::Tensor channelSum(const torch::Tensor& weighted, bool eigenSmooth)
{
    if (!eigenSmooth)
        return weighted.sum(1);
    std::vector<torch::Tensor> maps;
    for (int64_t k = 0; k < weighted.size(0); ++k)
        maps.push_back(firstComponentProjection(weighted[k]));
    return torch::stack(maps);
}

torch::Tensor firstComponentProjection(const torch::Tensor& activations)
{
    const torch::Tensor a = torch::nan_to_num(activations, 0.0, 0.0, 0.0);  // [C,h,w]
    const int64_t h = a.size(1), w = a.size(2);
    torch::Tensor m = a.reshape({a.size(0), -1}).t();  // [h·w, C]
    m = m - m.mean(0, /*keepdim=*/true);
    const auto [u, s, vt] = torch::linalg_svd(m, /*full_matrices=*/false, c10::nullopt);
    return torch::matmul(m, vt[0]).reshape({h, w});
}

torch::Tensor normalisedHeatmaps(const torch::Tensor& grids, int64_t size)
{
    const int64_t k = grids.size(0);
    torch::Tensor m = grids - grids.amin({1, 2}, /*keepdim=*/true);
    m = m / (1e-7 + m.amax({1, 2}, /*keepdim=*/true));
    if (!m.device().is_cpu() || m.scalar_type() != torch::kFloat32) {
        // As K one-channel images [K,1,h,w]: as K channels of one image LibTorch's kernel vectorises across them
        // and rounds differently.
        namespace F = torch::nn::functional;
        return F::interpolate(m.view({k, 1, m.size(1), m.size(2)}), F::InterpolateFuncOptions()
                                                                        .size(std::vector<int64_t>{size, size})
                                                                        .mode(torch::kBilinear)
                                                                        .align_corners(false))
            .view({k, size, size});
    }
    // On the CPU the same numbers, bit for bit, from BilinearResize (a fraction of the LibTorch call's time).
    m = m.contiguous();
    const BilinearResize resize(static_cast<int>(m.size(1)), static_cast<int>(m.size(2)), static_cast<int>(size),
                                static_cast<int>(size));
    torch::Tensor out = torch::empty({k, size, size}, m.options());
    const float* in = m.data_ptr<float>();
    float* outData = out.data_ptr<float>();
    const int64_t inPlane = m.size(1) * m.size(2);
    // One map per chunk: each is a fraction of a millisecond, and the first overlay waits for all K.
    parallelFor(0, k, 1, [&](int64_t first, int64_t last) {
        for (int64_t i = first; i < last; ++i)
            resize.apply(in + i * inPlane, outData + i * size * size);
    });
    return out;
}

torch::Tensor normalisedHeatmap(const torch::Tensor& grid, int64_t size)
{
    return normalisedHeatmaps(grid.unsqueeze(0), size)[0];
}

}  // namespace convlens
