#pragma once
// Thumbnails of decoded images (a batch's records, contact sheets).
//
// Plain Qt (no torch). Any thread may call.

#include <QImage>

namespace convlens {

// `rgb888` scaled to fit a `side` × `side` square, aspect kept (sized as Qt::KeepAspectRatio sizes it), each pixel
// the rounded mean of the source pixels it covers. Qt's own scaling of a photo first converts it to 32-bit pixels,
// spread over Qt's global thread pool, beside a batch's inference threads; this reads the RGB888 rows once, on the
// calling thread (a 640×480 photo: 0.15 ms). Images smaller than the square, or not RGB888, are scaled by Qt
// (smoothly). A null image (or out of memory) gives a null image.
QImage thumbnailOf(const QImage& rgb888, int side);

}  // namespace convlens
