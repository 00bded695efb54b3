#pragma once
// A heatmap scale shared by several CAM maps (several classes, methods or models), so that their heatmaps are
// comparable: a weak map stays faint beside a strong one instead of being stretched to [0,1] on its own, as
// CamResult::heatmap is. Torch-free, so the UI can rescale without the engine.
//
// Stateless, any thread. Maps without a grid are ignored; nothing fails.

#include "core/inspect/analysisresult.h"

#include <optional>
#include <vector>

namespace convlens {

struct CamScale {
    float low = 0.0f;
    float high = 1.0f;
};

// The lowest and highest raw grid values over all `cams` (null entries and empty grids skipped); {0, 1} when
// there is nothing to scan.
CamScale sharedCamScale(const std::vector<const CamResult*>& cams);

// The raw grid upsampled exactly as CamResult::heatmap is (bilinear, half-pixel centres, to heatmapSize²), then
// mapped by (v - low) / (1e-7 + high - low) and clamped to [0,1]. With the map's own minimum and maximum this is
// CamResult::heatmap. Returns an empty vector when the grid is empty or does not match gridHeight × gridWidth.
std::vector<float> scaledHeatmap(const CamResult& cam, CamScale scale);

// How strong `cam` is on `scale`: its raw grid's peak as a percentage of the scale's range; nullopt for a guided
// method's map (not on the scale), an empty grid or an empty range.
std::optional<double> peakOnScale(const CamResult& cam, CamScale scale);

}  // namespace convlens
