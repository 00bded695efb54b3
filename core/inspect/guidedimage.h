#pragma once
// The display image of an input-space explanation (guided backprop, guided Grad-CAM), as pytorch-grad-cam's
// deprocess_image: centred on its mean, divided by (standard deviation + 1e-5), scaled by 0.1, shifted to 0.5,
// clipped to [0,1] and truncated to 8 bits. Gray where the gradient is zero; colour shows the sign and size of
// each channel's gradient. Torch-free.
//
// Stateless, any thread. Returns a null QImage when the CamResult has no guided image (layer methods) or its size
// does not match heatmapSize.

#include "core/inspect/analysisresult.h"

#include <QImage>

namespace convlens {

// Format_RGB888, heatmapSize × heatmapSize.
QImage guidedImage(const CamResult& cam);

}  // namespace convlens
