#pragma once
// Model input preparation, byte-identical to torchvision 0.14's `weights.transforms()` (ImageClassification)
// applied to a PIL 9.4 RGB image: resize the shorter side to spec.resizeSize with PIL's Image.resize (its
// antialiasing separable filters, fixed-point arithmetic and 8-bit rounding reproduced exactly), centre-crop
// spec.cropSize (zero padding where the image is smaller, as torchvision pads), scale to [0,1] and normalise.
//
// Plain C++/Qt (no torch), so UI code may include it. Pure functions: any thread may call them concurrently.
// Inputs must be valid Format_RGB888 images (other formats are converted with QImage::convertToFormat first);
// a null input gives a null / empty result. Only the pixels of the crop window are computed.

#include <QImage>
#include <vector>

#include "core/image/preprocessspec.h"

namespace convlens {

struct PreprocessedImage {
    int channels = 3;
    int height = 0;
    int width = 0;
    std::vector<float> chw;  // channels × height × width, row-major, normalised with the spec's mean and std
};

// PIL's Image.resize(size=(width, height), resample) for an RGB image, with the whole image as the box.
// Returns a Format_RGB888 image of exactly width × height (both must be ≥ 1).
QImage resizeLikePil(const QImage& rgb888, int width, int height, Interpolation interpolation);

// torchvision's F.resize(img, [spec.resizeSize]) then F.center_crop(img, [spec.cropSize]): the 8-bit
// cropSize × cropSize RGB image the model sees (before normalisation), for overlays.
QImage resizeAndCrop(const QImage& rgb888, const PreprocessSpec& spec);

// Rows [firstRow, lastRow) of resizeAndCrop's result (0 <= firstRow < lastRow <= spec.cropSize), as a
// cropSize × (lastRow − firstRow) image holding the same bytes: bands made apart (on several threads) add up to the
// whole crop. Each band reads only the source rows its own rows need.
QImage resizeAndCropRows(const QImage& rgb888, const PreprocessSpec& spec, int firstRow, int lastRow);

// normalize() of `rows`, the rows [firstRow, firstRow + rows.height()) of a crop whose height is `cropHeight`,
// written into `chw`: channels × cropHeight × rows.width() floats, row-major. Other rows of `chw` are not touched.
void normalizeRowsInto(const QImage& rows, const PreprocessSpec& spec, int firstRow, int cropHeight, float* chw);

// The full transform: resizeAndCrop, then /255, minus mean, divided by std, in float32 as torch computes it.
PreprocessedImage preprocess(const QImage& rgb888, const PreprocessSpec& spec);

// Normalises an already resized and cropped RGB image (the second half of preprocess()).
PreprocessedImage normalize(const QImage& croppedRgb888, const PreprocessSpec& spec);

// torchvision's _compute_resized_output_size for a single requested size: the shorter side becomes `size`,
// the longer int(size * long / short). Returned as (width, height).
QSize resizedOutputSize(QSize input, int size);

}  // namespace convlens
