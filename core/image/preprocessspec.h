#pragma once
// How a model wants its input prepared: torchvision's `weights.transforms()` (ImageClassification) for the
// weights in use. Plain data; filled from model_registry.yaml.

#include <array>

namespace convlens {

enum class Interpolation { Nearest, Bilinear, Bicubic };

struct PreprocessSpec {
    int resizeSize = 256;  // the shorter side is resized to this, keeping the aspect ratio
    int cropSize = 224;    // then a centred square of this size is cut out
    Interpolation interpolation = Interpolation::Bilinear;
    std::array<float, 3> mean = {0.485f, 0.456f, 0.406f};
    std::array<float, 3> std = {0.229f, 0.224f, 0.225f};
};

}  // namespace convlens
