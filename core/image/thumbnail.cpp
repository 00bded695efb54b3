#include "core/image/thumbnail.h"

#include <algorithm>
#include <vector>

namespace convlens {

QImage thumbnailOf(const QImage& rgb888, int side)
{
    const QSize size = rgb888.size().scaled(side, side, Qt::KeepAspectRatio);
    if (rgb888.width() < size.width() || rgb888.height() < size.height() || rgb888.format() != QImage::Format_RGB888)
        return rgb888.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const int w = rgb888.width();
    const int h = rgb888.height();
    const int ow = std::max(1, size.width());
    const int oh = std::max(1, size.height());
    QImage out(ow, oh, QImage::Format_RGB888);
    if (out.isNull())
        return out;
    std::vector<int> x0(std::size_t(ow) + 1);
    for (int ox = 0; ox <= ow; ++ox)
        x0[std::size_t(ox)] = int(qint64(ox) * w / ow);
    // Per output row: the box's source rows summed column by column (contiguous, vectorised), then each output
    // pixel's columns.
    std::vector<quint32> columns(std::size_t(w) * 3);
    for (int oy = 0; oy < oh; ++oy) {
        const int y0 = int(qint64(oy) * h / oh);
        const int y1 = int(qint64(oy + 1) * h / oh);
        std::fill(columns.begin(), columns.end(), 0u);
        for (int y = y0; y < y1; ++y) {
            const uchar* __restrict row = rgb888.constScanLine(y);  // restrict: bytes may alias the sums
            quint32* __restrict sum = columns.data();
            for (std::size_t b = 0; b < columns.size(); ++b)
                sum[b] += row[b];
        }
        uchar* o = out.scanLine(oy);
        for (int ox = 0; ox < ow; ++ox) {
            const int first = x0[std::size_t(ox)];
            const int last = x0[std::size_t(ox) + 1];
            const quint32 count = quint32(y1 - y0) * quint32(last - first);
            for (int c = 0; c < 3; ++c) {
                quint32 total = 0;
                for (int x = first; x < last; ++x)
                    total += columns[3 * std::size_t(x) + std::size_t(c)];
                o[3 * ox + c] = uchar((total + count / 2) / count);
            }
        }
    }
    return out;
}

}  // namespace convlens
