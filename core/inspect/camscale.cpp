#include "core/inspect/camscale.h"

#include "core/inspect/bilinearresize.h"

#include <algorithm>
#include <cmath>

namespace convlens {

CamScale sharedCamScale(const std::vector<const CamResult*>& cams)
{
    CamScale scale;
    bool any = false;
    for (const CamResult* cam : cams) {
        if (!cam || cam->grid.empty())
            continue;
        const auto [lo, hi] = std::minmax_element(cam->grid.begin(), cam->grid.end());
        scale.low = any ? std::min(scale.low, *lo) : *lo;
        scale.high = any ? std::max(scale.high, *hi) : *hi;
        any = true;
    }
    return any ? scale : CamScale{};
}

std::vector<float> scaledHeatmap(const CamResult& cam, CamScale scale)
{
    const int h = cam.gridHeight, w = cam.gridWidth, size = cam.heatmapSize;
    if (h <= 0 || w <= 0 || size <= 0 || cam.grid.size() != static_cast<size_t>(h) * static_cast<size_t>(w))
        return {};
    std::vector<float> out = BilinearResize(h, w, size, size).apply(cam.grid);
    const float range = 1e-7f + (scale.high - scale.low);
    for (float& v : out)
        v = std::clamp((v - scale.low) / range, 0.0f, 1.0f);
    return out;
}

std::optional<double> peakOnScale(const CamResult& cam, CamScale scale)
{
    if (!cam.guided.empty() || cam.grid.empty() || !(scale.high > scale.low))
        return std::nullopt;
    const float peak = *std::max_element(cam.grid.begin(), cam.grid.end());
    return 100.0 * (peak - scale.low) / (scale.high - scale.low);
}

}  // namespace convlens
