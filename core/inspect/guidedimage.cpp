#include "core/inspect/guidedimage.h"

#include <algorithm>
#include <cmath>

namespace convlens {

QImage guidedImage(const CamResult& cam)
{
    const int size = cam.heatmapSize;
    const size_t plane = static_cast<size_t>(std::max(0, size)) * static_cast<size_t>(std::max(0, size));
    if (size <= 0 || cam.guided.size() != 3 * plane)
        return {};
    // numpy's mean and (population) standard deviation over all three channels, accumulated in double.
    double sum = 0.0;
    for (float v : cam.guided)
        sum += v;
    const double mean = sum / static_cast<double>(cam.guided.size());
    double squares = 0.0;
    for (float v : cam.guided)
        squares += (v - mean) * (v - mean);
    const double scale = 0.1 / (std::sqrt(squares / static_cast<double>(cam.guided.size())) + 1e-5);

    QImage image(size, size, QImage::Format_RGB888);
    for (int y = 0; y < size; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < size; ++x) {
            const size_t at = static_cast<size_t>(y) * size + x;
            for (int c = 0; c < 3; ++c) {
                const double v = std::clamp((cam.guided[c * plane + at] - mean) * scale + 0.5, 0.0, 1.0);
                line[3 * x + c] = static_cast<uchar>(v * 255.0);  // np.uint8 truncates
            }
        }
    }
    return image;
}

}  // namespace convlens
