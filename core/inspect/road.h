#pragma once
// ROAD (remove and debias; Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution
// Methods"), as pytorch-grad-cam's ROAD metrics: pixels are removed by the order of a map and imputed from their
// neighbours by a noisy linear imputation, and the class's softmax probability is measured again. Internal to
// core/inspect (includes torch); the Analyzer's "road" stage uses it.
//
// Threads: pure functions of their arguments; any thread. Failure: c10::Error on shape mismatches.

#include <torch/torch.h>

#include <cstdint>

namespace convlens {

// The linear imputation of the ROAD paper (pytorch-grad-cam's NoisyLinearImputer): every pixel where `keep`
// ([H,W] bool) is false becomes the weighted mean of its eight neighbours (1/6 the direct ones, 1/12 the diagonal
// ones, those outside the image left out), one sparse linear system per image solved exactly (Eigen's sparse
// Cholesky, for all channels at once), plus `noise` × a standard normal draw from `seed` per value (torch's CPU
// generator, [C, removed pixels] in row-major order of the pixels: the reference's randn_like of its solution).
// `image` [C,H,W] float; the result is a new tensor of the same shape. When nothing is kept the system has no
// anchor: the removed pixels become 0 (the normalised input's mean) plus the noise.
// pytorch-grad-cam's noise: 0.01 in the normalised input's units.
inline constexpr double kRoadNoise = 0.01;

torch::Tensor noisyLinearImputation(const torch::Tensor& image, const torch::Tensor& keep, double noise,
                                    uint64_t seed);

// numpy.percentile(values, percentile) with its default linear interpolation, of a float tensor's elements.
double percentileOf(const torch::Tensor& values, double percentile);

// The pixels ROAD keeps for `map` ([H,W], 0–1) at `percentile`: most relevant first keeps map < its percentile
// (removing the most relevant (100 − p)%); least relevant first keeps (1 − map) < the percentile of (1 − map).
torch::Tensor roadKeepMask(const torch::Tensor& map, int percentile, bool mostRelevantFirst);

}  // namespace convlens
