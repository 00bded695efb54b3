#pragma once
// Shared helpers of the image tests: the fixture folder written by make_image_fixtures.py and its manifest.

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/image/preprocessspec.h"

namespace convlens::testing {

inline QString fixturePath(const QString& relative)
{
    return QStringLiteral(CONVLENS_FIXTURE_DIR "/image/") + relative;
}

inline QJsonObject manifest()
{
    QFile file(fixturePath(QStringLiteral("manifest.json")));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QJsonDocument::fromJson(file.readAll()).object();
}

inline QByteArray readBytes(const QString& relative)
{
    QFile file(fixturePath(relative));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A packed uint8 [h,w,3] file as a Format_RGB888 image (null if the size does not match).
inline QImage readRgb(const QString& relative, int width, int height)
{
    const QByteArray bytes = readBytes(relative);
    if (bytes.size() != qsizetype(width) * height * 3) {
        return {};
    }
    QImage image(width, height, QImage::Format_RGB888);
    for (int y = 0; y < height; ++y) {
        std::memcpy(image.scanLine(y), bytes.constData() + qsizetype(y) * width * 3, size_t(width) * 3);
    }
    return image;
}

inline std::vector<float> readFloats(const QString& relative)
{
    const QByteArray bytes = readBytes(relative);
    std::vector<float> values(bytes.size() / sizeof(float));
    std::memcpy(values.data(), bytes.constData(), values.size() * sizeof(float));
    return values;
}

// Largest per-channel difference of two RGB888 images of the same size; -1 if they differ in size or format.
inline int maxDifference(const QImage& a, const QImage& b)
{
    if (a.size() != b.size() || a.format() != QImage::Format_RGB888 || b.format() != QImage::Format_RGB888) {
        return -1;
    }
    int worst = 0;
    for (int y = 0; y < a.height(); ++y) {
        const uchar* p = a.constScanLine(y);
        const uchar* q = b.constScanLine(y);
        for (int x = 0; x < a.width() * 3; ++x) {
            worst = std::max(worst, std::abs(int(p[x]) - int(q[x])));
        }
    }
    return worst;
}

inline Interpolation interpolationFromName(const QString& name)
{
    if (name == QStringLiteral("nearest")) {
        return Interpolation::Nearest;
    }
    return name == QStringLiteral("bicubic") ? Interpolation::Bicubic : Interpolation::Bilinear;
}

// The spec as the fixture script read it off torchvision's transforms object.
inline PreprocessSpec specFromManifest(const QJsonObject& model)
{
    PreprocessSpec spec;
    spec.resizeSize = model.value(QStringLiteral("resize_size")).toInt();
    spec.cropSize = model.value(QStringLiteral("crop_size")).toInt();
    spec.interpolation = interpolationFromName(model.value(QStringLiteral("interpolation")).toString());
    const QJsonArray mean = model.value(QStringLiteral("mean")).toArray();
    const QJsonArray std = model.value(QStringLiteral("std")).toArray();
    for (int c = 0; c < 3; ++c) {
        spec.mean[c] = static_cast<float>(mean.at(c).toDouble());
        spec.std[c] = static_cast<float>(std.at(c).toDouble());
    }
    return spec;
}

}  // namespace convlens::testing
