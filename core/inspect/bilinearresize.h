#pragma once
// BilinearResize: LibTorch's bilinear interpolation of one-channel float maps, bit for bit, without LibTorch:
// what torch::nn::functional::interpolate(maps.view({K,1,h,w}), size {H,W}, kBilinear, align_corners=false)
// returns in LibTorch 1.13 on the CPU (tested against it over random shapes and values). The CAM heatmaps are
// made with it (several times faster than the LibTorch call: its per-pixel index arithmetic is done once per
// row and column here), and the window rescales maps with it. Torch-free.
//
// Per axis the source coordinate is float(in)/float(out) · (d + 0.5) − 0.5 (in double, negative ones taken as 0);
// the right neighbour is clamped to the last cell; its weight is rounded to float, the left one is 1 minus it.
// Each output value is the four neighbours times the float products of their row and column weights, summed in
// double and rounded to float once.
//
// Threads: a const BilinearResize may be used from several threads. Nothing fails: a size below 1 gives an empty
// resize that writes nothing.

#include <cstdint>
#include <vector>

namespace convlens {

class BilinearResize {
public:
    BilinearResize(int height, int width, int outHeight, int outWidth);

    int height() const { return mHeight; }
    int width() const { return mWidth; }
    int outHeight() const { return static_cast<int>(mRows.size()); }
    int outWidth() const { return static_cast<int>(mColumnWeight0.size()); }

    // src: height × width values, row-major; dst: outHeight × outWidth values, row-major. They must not overlap.
    void apply(const float* src, float* dst) const;
    // The same into a new vector; empty when src does not hold height × width values.
    std::vector<float> apply(const std::vector<float>& src) const;

private:
    struct Tap {
        int i0 = 0;
        int i1 = 0;
        float w0 = 1.0f;  // weight of i0
        float w1 = 0.0f;  // weight of i1
    };
    static std::vector<Tap> taps(int in, int out);

    int mHeight;
    int mWidth;
    std::vector<Tap> mRows;
    // The column taps as separate arrays, which the inner loop reads contiguously.
    std::vector<int> mColumnLeft;
    std::vector<int> mColumnRight;
    std::vector<float> mColumnWeight0;
    std::vector<float> mColumnWeight1;
};

}  // namespace convlens
