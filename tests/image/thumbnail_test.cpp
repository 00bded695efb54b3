// Thumbnails: the box mean of every source pixel an output pixel covers, sized as Qt::KeepAspectRatio sizes them.
#include <gtest/gtest.h>

#include <QImage>

#include "core/image/thumbnail.h"

namespace convlens {
namespace {

QImage noise(int width, int height)
{
    QImage image(width, height, QImage::Format_RGB888);
    quint32 state = 99;
    for (int y = 0; y < height; ++y) {
        uchar* row = image.scanLine(y);
        for (int x = 0; x < 3 * width; ++x) {
            state = state * 1664525u + 1013904223u;
            row[x] = uchar(state >> 24);
        }
    }
    return image;
}

TEST(Thumbnail, EachPixelIsTheMeanOfTheSourcePixelsItCovers)
{
    for (const QSize source : {QSize(640, 480), QSize(480, 640), QSize(333, 97), QSize(96, 96)}) {
        const QImage image = noise(source.width(), source.height());
        const QImage thumb = thumbnailOf(image, 96);
        ASSERT_EQ(thumb.size(), source.scaled(96, 96, Qt::KeepAspectRatio)) << source.width() << "x" << source.height();
        ASSERT_EQ(thumb.format(), QImage::Format_RGB888);
        for (int oy = 0; oy < thumb.height(); ++oy)
            for (int ox = 0; ox < thumb.width(); ++ox) {
                const int x0 = ox * source.width() / thumb.width(), x1 = (ox + 1) * source.width() / thumb.width();
                const int y0 = oy * source.height() / thumb.height(), y1 = (oy + 1) * source.height() / thumb.height();
                for (int c = 0; c < 3; ++c) {
                    double sum = 0;
                    for (int y = y0; y < y1; ++y)
                        for (int x = x0; x < x1; ++x)
                            sum += image.constScanLine(y)[3 * x + c];
                    const double mean = sum / ((x1 - x0) * (y1 - y0));
                    ASSERT_NEAR(thumb.constScanLine(oy)[3 * ox + c], mean, 0.5) << ox << "," << oy << " channel " << c;
                }
            }
    }
}

TEST(Thumbnail, SmallStripAndNullImages)
{
    EXPECT_EQ(thumbnailOf(noise(30, 20), 96).size(), QSize(96, 64));  // scaled up by Qt
    const QImage strip = thumbnailOf(noise(1000, 3), 96);
    EXPECT_EQ(strip.width(), 96);
    EXPECT_EQ(strip.height(), 1);
    EXPECT_TRUE(thumbnailOf(QImage(), 96).isNull());
}

}  // namespace
}  // namespace convlens
