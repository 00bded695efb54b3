#include "core/inspect/camscale.h"

#include <algorithm>
#include <cmath>

namespace convlens {

namespace {

// torch's upsample_bilinear2d with align_corners=false, per axis: source coordinate (dst + 0.5)·in/out - 0.5,
// negative ones clamped to 0, the right neighbour clamped to the last cell.
struct Tap {
    int i0 = 0;
    int i1 = 0;
    float w1 = 0.0f;  // weight of i1; i0 gets 1 - w1
};

std::vector<Tap> linearTaps(int in, int out)
{
    std::vector<Tap> taps(static_cast<size_t>(out));
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int d = 0; d < out; ++d) {
        const float src = std::max(0.0f, scale * (static_cast<float>(d) + 0.5f) - 0.5f);
        Tap& t = taps[static_cast<size_t>(d)];
        t.i0 = std::min(static_cast<int>(src), in - 1);
        t.i1 = std::min(t.i0 + 1, in - 1);
        t.w1 = src - static_cast<float>(t.i0);
    }
    return taps;
}

}  // namespace

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
    const std::vector<Tap> rows = linearTaps(h, size), cols = linearTaps(w, size);
    const float range = 1e-7f + (scale.high - scale.low);
    std::vector<float> out(static_cast<size_t>(size) * static_cast<size_t>(size));
    for (int y = 0; y < size; ++y) {
        const Tap& r = rows[static_cast<size_t>(y)];
        const float* row0 = cam.grid.data() + static_cast<size_t>(r.i0) * w;
        const float* row1 = cam.grid.data() + static_cast<size_t>(r.i1) * w;
        for (int x = 0; x < size; ++x) {
            const Tap& c = cols[static_cast<size_t>(x)];
            const float top = row0[c.i0] + c.w1 * (row0[c.i1] - row0[c.i0]);
            const float bottom = row1[c.i0] + c.w1 * (row1[c.i1] - row1[c.i0]);
            const float v = top + r.w1 * (bottom - top);
            out[static_cast<size_t>(y) * size + x] = std::clamp((v - scale.low) / range, 0.0f, 1.0f);
        }
    }
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
