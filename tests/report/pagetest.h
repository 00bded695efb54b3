#pragma once
// What the report page tests share: a hand-made input and heatmap, and measures of a rendered page (text pixels,
// pixels outside the margins, colours at a point), sample files to look at, PDF page count and text.
// Test code; the test thread only.

#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QProcess>
#include <QRectF>
#include <QStandardPaths>
#include <QString>

#include <cmath>
#include <vector>

namespace convlens::pagetest {

constexpr int kSize = 224;

// A grey, shaded input with an orange disc in its top-left quadrant.
inline QImage sampleInput()
{
    QImage image(kSize, kSize, QImage::Format_RGB888);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x)
            image.setPixelColor(x, y, QColor(110 + y / 8, 110 + y / 8, 115 + y / 8));
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(230, 140, 40));
    p.drawEllipse(QPointF(56, 56), 36, 36);
    return image;
}

// Hot (1) around (56, 56), cold (0) in the bottom-right quadrant.
inline std::vector<float> hotTopLeft()
{
    std::vector<float> heat(static_cast<std::size_t>(kSize) * kSize);
    for (int y = 0; y < kSize; ++y)
        for (int x = 0; x < kSize; ++x) {
            const double d2 = (x - 56.0) * (x - 56.0) + (y - 56.0) * (y - 56.0);
            heat[static_cast<std::size_t>(y) * kSize + x] = static_cast<float>(std::exp(-d2 / (2 * 40.0 * 40.0)));
        }
    return heat;
}

inline QRectF pageRect(int dpi)
{
    return QRectF(QPointF(0, 0), QSizeF(QPageSize(QPageSize::A4).sizePixels(dpi)));
}

// Pixels darker than `level` (text) in `rect`.
inline int darkPixels(const QImage& image, const QRectF& rect, int level = 110)
{
    int count = 0;
    const QRect r = rect.toAlignedRect().intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x)
            if (qGray(image.pixel(x, y)) < level)
                ++count;
    return count;
}

// Non-white pixels of the page outside `content` grown by `slack` pixels.
inline int pixelsOutside(const QImage& image, const QRectF& content, int slack = 2)
{
    const QRect inside = content.toAlignedRect().adjusted(-slack, -slack, slack, slack);
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if (!inside.contains(x, y) && image.pixel(x, y) != qRgb(255, 255, 255))
                ++count;
    return count;
}

inline QColor at(const QImage& image, const QRectF& rect, double fx, double fy)
{
    return image.pixelColor(static_cast<int>(rect.left() + fx * rect.width()),
                            static_cast<int>(rect.top() + fy * rect.height()));
}

// Where sample pages go to be looked at: $CONVLENS_REPORT_SAMPLES, or nowhere.
inline void keepSample(const QImage& image, const QString& name)
{
    const QString folder = qEnvironmentVariable("CONVLENS_REPORT_SAMPLES");
    if (folder.isEmpty())
        return;
    QDir().mkpath(folder);
    image.save(folder + QLatin1Char('/') + name);
}

inline QString samplePath(const QString& name)
{
    const QString folder = qEnvironmentVariable("CONVLENS_REPORT_SAMPLES");
    if (folder.isEmpty())
        return {};
    QDir().mkpath(folder);
    return folder + QLatin1Char('/') + name;
}

inline int pdfPages(const QString& fileName)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray data = file.readAll();
    if (!data.startsWith("%PDF"))
        return -1;
    int pages = 0;
    for (qsizetype at = data.indexOf("/Type /Page"); at >= 0; at = data.indexOf("/Type /Page", at + 1))
        if (at + 11 >= data.size() || data.at(at + 11) != 's')
            ++pages;
    return pages;
}

// The PDF's text through pdftotext when poppler-utils is installed; a null string otherwise.
inline QString pdfText(const QString& fileName)
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (tool.isEmpty())
        return {};
    QProcess process;
    process.start(tool, {QStringLiteral("-layout"), fileName, QStringLiteral("-")});
    if (!process.waitForFinished(30000))
        return {};
    return QString::fromUtf8(process.readAllStandardOutput());
}

}  // namespace convlens::pagetest
