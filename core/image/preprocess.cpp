#include "core/image/preprocess.h"

#include <QRect>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace convlens {
namespace {

// PIL's Resample.c works in fixed point: 8 bits for the result, 2 spare bits for the filter's negative lobes
// and overshoot.
constexpr int kPrecisionBits = 32 - 8 - 2;

double bilinearFilter(double x)
{
    if (x < 0.0) {
        x = -x;
    }
    if (x < 1.0) {
        return 1.0 - x;
    }
    return 0.0;
}

double bicubicFilter(double x)
{
    constexpr double a = -0.5;
    if (x < 0.0) {
        x = -x;
    }
    if (x < 1.0) {
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
        return (((x - 5) * x + 8) * x - 4) * a;
    }
    return 0.0;
}

struct Filter {
    double (*function)(double);
    double support;
};

// One axis of a separable resize: for each output position, the first input index, the number of taps and
// their fixed-point weights (ksize slots each).
struct Taps {
    int first = 0;  // output index of entry 0
    int ksize = 0;
    std::vector<int> start;
    std::vector<int> count;
    std::vector<int32_t> weights;
};

// PIL's precompute_coeffs + normalize_coeffs_8bpc for output positions [first, last), box = the whole input.
// The support grows with the downscaling factor, which is what makes PIL's resize antialias.
Taps computeTaps(int inSize, int outSize, int first, int last, const Filter& filter)
{
    const double scale = static_cast<double>(static_cast<float>(inSize)) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = filter.support * filterScale;
    Taps taps;
    taps.first = first;
    taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    const int n = std::max(0, last - first);
    taps.start.resize(n);
    taps.count.resize(n);
    taps.weights.assign(static_cast<size_t>(n) * taps.ksize, 0);
    std::vector<double> k(taps.ksize);
    const double ss = 1.0 / filterScale;
    for (int i = 0; i < n; ++i) {
        const int xx = first + i;
        const double center = 0.0 + (xx + 0.5) * scale;
        // (int) truncates towards zero, as in C; negative starts are clamped right after.
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) {
            xmin = 0;
        }
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > inSize) {
            xmax = inSize;
        }
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double w = filter.function((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        int32_t* out = &taps.weights[static_cast<size_t>(i) * taps.ksize];
        for (int x = 0; x < xmax; ++x) {
            const double v = ww != 0.0 ? k[x] / ww : k[x];
            out[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                           : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
        }
        taps.start[i] = xmin;
        taps.count[i] = xmax;
    }
    return taps;
}

inline uchar clip8(int32_t v)
{
    v >>= kPrecisionBits;  // arithmetic shift, as PIL's lookup table index
    return static_cast<uchar>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Tightly packed RGB rows.
struct RgbBuffer {
    int width = 0;
    int height = 0;
    std::vector<uchar> data;
    uchar* row(int y) { return data.data() + static_cast<size_t>(y) * width * 3; }
    const uchar* row(int y) const { return data.data() + static_cast<size_t>(y) * width * 3; }
};

// PIL's COORD for ImagingScaleAffine's nearest-neighbour tables, including its accumulated (not multiplied)
// source position, so rounding matches at every step.
// Entries [first, last) of the table; the walk still starts at 0.
std::vector<int> nearestTable(int inSize, int outSize, int first, int last)
{
    const double step = static_cast<double>(static_cast<float>(inSize) - 0.0f) / outSize;
    std::vector<int> table(last - first);
    double pos = 0.0 + step * 0.5;
    for (int x = 0; x < last; ++x) {
        if (x >= first) {
            const int in = pos < 0.0 ? -1 : static_cast<int>(pos);
            table[x - first] = std::clamp(in, 0, inSize - 1);
        }
        pos += step;
    }
    return table;
}

// The `window` of PIL's Image.resize(src, (outW, outH)); window pixels outside the resized image stay zero
// (torchvision's constant padding before a crop larger than the image).
QImage resizeWindow(const QImage& src, int outW, int outH, Interpolation interpolation, const QRect& window)
{
    QImage result(window.size(), QImage::Format_RGB888);
    result.fill(0);
    const QRect valid = window.intersected(QRect(0, 0, outW, outH));
    if (valid.isEmpty()) {
        return result;
    }
    const int inW = src.width();
    const int inH = src.height();
    const int dx = valid.x() - window.x();
    const int dy = valid.y() - window.y();
    const int cx0 = valid.left();
    const int cx1 = valid.right() + 1;
    const int cy0 = valid.top();
    const int cy1 = valid.bottom() + 1;

    if (outW == inW && outH == inH) {  // PIL copies
        for (int y = cy0; y < cy1; ++y) {
            std::memcpy(result.scanLine(y - cy0 + dy) + 3 * dx, src.constScanLine(y) + 3 * cx0,
                        static_cast<size_t>(cx1 - cx0) * 3);
        }
        return result;
    }

    if (interpolation == Interpolation::Nearest) {
        const std::vector<int> xs = nearestTable(inW, outW, cx0, cx1);
        const std::vector<int> ys = nearestTable(inH, outH, cy0, cy1);
        for (int y = cy0; y < cy1; ++y) {
            const uchar* in = src.constScanLine(ys[y - cy0]);
            uchar* out = result.scanLine(y - cy0 + dy) + 3 * dx;
            for (int x = cx0; x < cx1; ++x) {
                const uchar* p = in + 3 * xs[x - cx0];
                *out++ = p[0];
                *out++ = p[1];
                *out++ = p[2];
            }
        }
        return result;
    }

    const Filter filter =
        interpolation == Interpolation::Bicubic ? Filter{bicubicFilter, 2.0} : Filter{bilinearFilter, 1.0};
    const bool needHorizontal = outW != inW;
    const bool needVertical = outH != inH;
    const int width = cx1 - cx0;

    // Source rows the vertical pass reads.
    Taps vertical;
    int ry0 = cy0;
    int ry1 = cy1;
    if (needVertical) {
        vertical = computeTaps(inH, outH, cy0, cy1, filter);
        ry0 = vertical.start.front();
        ry1 = 0;
        for (size_t i = 0; i < vertical.start.size(); ++i) {
            ry0 = std::min(ry0, vertical.start[i]);
            ry1 = std::max(ry1, vertical.start[i] + vertical.count[i]);
        }
    }

    // Horizontal pass (PIL resamples horizontally first and clips to 8 bits in between).
    RgbBuffer temp;
    temp.width = width;
    temp.height = ry1 - ry0;
    temp.data.resize(static_cast<size_t>(temp.width) * temp.height * 3);
    if (needHorizontal) {
        const Taps horizontal = computeTaps(inW, outW, cx0, cx1, filter);
        constexpr int32_t half = 1 << (kPrecisionBits - 1);
        for (int y = ry0; y < ry1; ++y) {
            const uchar* in = src.constScanLine(y);
            uchar* out = temp.row(y - ry0);
            for (int i = 0; i < width; ++i) {
                const int32_t* k = &horizontal.weights[static_cast<size_t>(i) * horizontal.ksize];
                const uchar* p = in + 3 * horizontal.start[i];
                int32_t s0 = half;
                int32_t s1 = half;
                int32_t s2 = half;
                for (int t = 0, n = horizontal.count[i]; t < n; ++t) {
                    s0 += p[3 * t + 0] * k[t];
                    s1 += p[3 * t + 1] * k[t];
                    s2 += p[3 * t + 2] * k[t];
                }
                out[3 * i + 0] = clip8(s0);
                out[3 * i + 1] = clip8(s1);
                out[3 * i + 2] = clip8(s2);
            }
        }
    } else {
        for (int y = ry0; y < ry1; ++y) {
            std::memcpy(temp.row(y - ry0), src.constScanLine(y) + 3 * cx0, static_cast<size_t>(width) * 3);
        }
    }

    // Vertical pass, a row at a time so the inner loop runs over contiguous bytes.
    const size_t rowBytes = static_cast<size_t>(width) * 3;
    if (!needVertical) {
        for (int y = cy0; y < cy1; ++y) {
            std::memcpy(result.scanLine(y - cy0 + dy) + 3 * dx, temp.row(y - ry0), rowBytes);
        }
        return result;
    }
    std::vector<int32_t> acc(rowBytes);
    for (int y = cy0; y < cy1; ++y) {
        const int i = y - cy0;
        const int32_t* k = &vertical.weights[static_cast<size_t>(i) * vertical.ksize];
        std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
        for (int t = 0, n = vertical.count[i]; t < n; ++t) {
            const uchar* in = temp.row(vertical.start[i] + t - ry0);
            const int32_t w = k[t];
            int32_t* a = acc.data();
            for (size_t b = 0; b < rowBytes; ++b) {
                a[b] += in[b] * w;
            }
        }
        uchar* out = result.scanLine(y - cy0 + dy) + 3 * dx;
        for (size_t b = 0; b < rowBytes; ++b) {
            out[b] = clip8(acc[b]);
        }
    }
    return result;
}

QImage asRgb888(const QImage& image)
{
    return image.format() == QImage::Format_RGB888 ? image : image.convertToFormat(QImage::Format_RGB888);
}

// Python's round() on a multiple of 0.5: halves go to the even neighbour.
int halfOfRoundedEven(int twice)
{
    const int q = twice / 2;
    if (twice % 2 == 0) {
        return q;
    }
    return q % 2 == 0 ? q : q + 1;
}

}  // namespace

QSize resizedOutputSize(QSize input, int size)
{
    const int w = input.width();
    const int h = input.height();
    const qint64 shortSide = std::min(w, h);
    const qint64 longSide = std::max(w, h);
    // Python's int(size * long / short): an exact product, one correctly rounded division, truncation. Sizes
    // beyond int (a 1×100M-pixel strip) are clamped; torchvision could not allocate those either.
    const double exact = static_cast<double>(size * longSide) / static_cast<double>(shortSide);
    const int newLong = static_cast<int>(std::min(exact, static_cast<double>(std::numeric_limits<int>::max() / 4)));
    return w <= h ? QSize(size, newLong) : QSize(newLong, size);
}

QImage resizeLikePil(const QImage& rgb888, int width, int height, Interpolation interpolation)
{
    if (rgb888.isNull() || width < 1 || height < 1) {
        return {};
    }
    return resizeWindow(asRgb888(rgb888), width, height, interpolation, QRect(0, 0, width, height));
}

QImage resizeAndCropRows(const QImage& rgb888, const PreprocessSpec& spec, int firstRow, int lastRow)
{
    if (rgb888.isNull() || spec.resizeSize < 1 || spec.cropSize < 1 || firstRow < 0 || lastRow > spec.cropSize ||
        firstRow >= lastRow) {
        return {};
    }
    const QSize resized = resizedOutputSize(rgb888.size(), spec.resizeSize);
    const int crop = spec.cropSize;
    // torchvision's center_crop: pad (left/top get the smaller half) where the image is smaller than the crop,
    // then cut at int(round((size - crop) / 2.0)) of the padded image.
    const int padLeft = crop > resized.width() ? (crop - resized.width()) / 2 : 0;
    const int padTop = crop > resized.height() ? (crop - resized.height()) / 2 : 0;
    const int padRight = crop > resized.width() ? (crop - resized.width() + 1) / 2 : 0;
    const int padBottom = crop > resized.height() ? (crop - resized.height() + 1) / 2 : 0;
    const int paddedW = resized.width() + padLeft + padRight;
    const int paddedH = resized.height() + padTop + padBottom;
    const int left = halfOfRoundedEven(paddedW - crop) - padLeft;
    const int top = halfOfRoundedEven(paddedH - crop) - padTop;
    return resizeWindow(asRgb888(rgb888), resized.width(), resized.height(), spec.interpolation,
                        QRect(left, top + firstRow, crop, lastRow - firstRow));
}

QImage resizeAndCrop(const QImage& rgb888, const PreprocessSpec& spec)
{
    return resizeAndCropRows(rgb888, spec, 0, spec.cropSize);
}

void normalizeRowsInto(const QImage& rows, const PreprocessSpec& spec, int firstRow, int cropHeight, float* chw)
{
    if (rows.isNull()) {
        return;
    }
    const QImage image = asRgb888(rows);
    const int width = image.width();
    const size_t plane = static_cast<size_t>(cropHeight) * width;
    // As torch does it in float32: convert_image_dtype divides by 255, normalize subtracts and divides.
    float lut[3][256];
    for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) {
            lut[c][v] = (static_cast<float>(v) / 255.0f - spec.mean[c]) / spec.std[c];
        }
    }
    for (int y = 0; y < image.height(); ++y) {
        const uchar* in = image.constScanLine(y);
        float* r = chw + static_cast<size_t>(firstRow + y) * width;
        float* g = r + plane;
        float* b = g + plane;
        for (int x = 0; x < width; ++x) {
            r[x] = lut[0][in[3 * x + 0]];
            g[x] = lut[1][in[3 * x + 1]];
            b[x] = lut[2][in[3 * x + 2]];
        }
    }
}

PreprocessedImage normalize(const QImage& croppedRgb888, const PreprocessSpec& spec)
{
    PreprocessedImage result;
    if (croppedRgb888.isNull()) {
        return result;
    }
    result.height = croppedRgb888.height();
    result.width = croppedRgb888.width();
    result.chw.resize(static_cast<size_t>(result.height) * result.width * 3);
    normalizeRowsInto(croppedRgb888, spec, 0, result.height, result.chw.data());
    return result;
}

PreprocessedImage preprocess(const QImage& rgb888, const PreprocessSpec& spec)
{
    return normalize(resizeAndCrop(rgb888, spec), spec);
}

}  // namespace convlens
