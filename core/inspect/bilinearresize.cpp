#include "core/inspect/bilinearresize.h"

#include <algorithm>
#include <cmath>

namespace convlens {

BilinearResize::BilinearResize(int height, int width, int outHeight, int outWidth) : mHeight(height), mWidth(width)
{
    if (height < 1 || width < 1 || outHeight < 1 || outWidth < 1) {
        mHeight = mWidth = 0;
        return;
    }
    mRows = taps(height, outHeight);
    for (const Tap& t : taps(width, outWidth)) {
        mColumnLeft.push_back(t.i0);
        mColumnRight.push_back(t.i1);
        mColumnWeight0.push_back(t.w0);
        mColumnWeight1.push_back(t.w1);
    }
}

std::vector<BilinearResize::Tap> BilinearResize::taps(int in, int out)
{
    // As LibTorch computes them: a float scale, the coordinate in double (the 0.5s are double literals there),
    // the weight rounded to float.
    std::vector<Tap> taps(static_cast<size_t>(out));
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    for (int d = 0; d < out; ++d) {
        const double src = std::max(0.0, static_cast<double>(scale) * (static_cast<double>(d) + 0.5) - 0.5);
        Tap& t = taps[static_cast<size_t>(d)];
        t.i0 = std::min(static_cast<int>(std::floor(src)), in - 1);
        t.i1 = t.i0 < in - 1 ? t.i0 + 1 : t.i0;
        t.w1 = static_cast<float>(std::clamp(src - static_cast<double>(t.i0), 0.0, 1.0));
        t.w0 = 1.0f - t.w1;
    }
    return taps;
}

void BilinearResize::apply(const float* src, float* dst) const
{
    const size_t outWidth = mColumnWeight0.size();
    if (outWidth == 0)
        return;
    // Each source row's values at every output column's two neighbours, so that the loop over an output row reads
    // four contiguous arrays (which the compiler vectorises) instead of indexing the source per pixel.
    std::vector<float> left(static_cast<size_t>(mHeight) * outWidth), right(left.size());
    for (int r = 0; r < mHeight; ++r) {
        const float* row = src + static_cast<size_t>(r) * static_cast<size_t>(mWidth);
        float* l = left.data() + static_cast<size_t>(r) * outWidth;
        float* rt = right.data() + static_cast<size_t>(r) * outWidth;
        for (size_t x = 0; x < outWidth; ++x) {
            l[x] = row[mColumnLeft[x]];
            rt[x] = row[mColumnRight[x]];
        }
    }
    for (size_t y = 0; y < mRows.size(); ++y) {
        const Tap& t = mRows[y];
        const float* __restrict a = left.data() + static_cast<size_t>(t.i0) * outWidth;
        const float* __restrict b = right.data() + static_cast<size_t>(t.i0) * outWidth;
        const float* __restrict c = left.data() + static_cast<size_t>(t.i1) * outWidth;
        const float* __restrict d = right.data() + static_cast<size_t>(t.i1) * outWidth;
        const float* __restrict cw0 = mColumnWeight0.data();
        const float* __restrict cw1 = mColumnWeight1.data();
        float* __restrict out = dst + y * outWidth;
        const float h0 = t.w0, h1 = t.w1;
        for (size_t x = 0; x < outWidth; ++x) {
            // The products of two floats are exact in double; the sum is LibTorch's order.
            const float w00 = h0 * cw0[x], w01 = h0 * cw1[x], w10 = h1 * cw0[x], w11 = h1 * cw1[x];
            out[x] = static_cast<float>(static_cast<double>(a[x]) * w00 + static_cast<double>(b[x]) * w01 +
                                        static_cast<double>(c[x]) * w10 + static_cast<double>(d[x]) * w11);
        }
    }
}

std::vector<float> BilinearResize::apply(const std::vector<float>& src) const
{
    if (src.size() != static_cast<size_t>(mHeight) * static_cast<size_t>(mWidth) || mRows.empty())
        return {};
    std::vector<float> dst(mRows.size() * mColumnWeight0.size());
    apply(src.data(), dst.data());
    return dst;
}

}  // namespace convlens
