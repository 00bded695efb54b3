#include "core/jobs/resultcodec.h"

#include <QDataStream>
#include <QIODevice>

#include <algorithm>
#include <bit>

namespace convlens {

namespace {

// Bytes on the wire are fixed by this stream version, whatever Qt the reader runs.
constexpr QDataStream::Version kStreamVersion = QDataStream::Qt_6_0;

// --- writing -----------------------------------------------------------------------------------------------

void put(QDataStream& s, const std::string& v)
{
    s << QByteArray(v.data(), static_cast<qsizetype>(v.size()));
}
// Floats travel as their bit patterns: QDataStream's floating-point precision setting would widen or narrow one
// of float/double.
void put(QDataStream& s, float v)
{
    s << std::bit_cast<quint32>(v);
}
void put(QDataStream& s, double v)
{
    s << std::bit_cast<quint64>(v);
}
void put(QDataStream& s, int v)
{
    s << static_cast<qint32>(v);
}
void put(QDataStream& s, int64_t v)
{
    s << static_cast<qint64>(v);
}
void put(QDataStream& s, bool v)
{
    s << v;
}

void put(QDataStream& s, const QImage& image)
{
    // Indexed and mono formats would need their colour table; store them as ARGB32 instead.
    QImage img = image;
    if (!img.isNull() && (img.format() == QImage::Format_Indexed8 || img.format() == QImage::Format_Mono ||
                          img.format() == QImage::Format_MonoLSB))
        img = img.convertToFormat(QImage::Format_ARGB32);
    s << static_cast<qint32>(img.isNull() ? QImage::Format_Invalid : img.format());
    if (img.isNull())
        return;
    s << static_cast<qint32>(img.width()) << static_cast<qint32>(img.height());
    const qsizetype rowBytes = (static_cast<qsizetype>(img.width()) * img.depth() + 7) / 8;
    for (int y = 0; y < img.height(); ++y)
        s.writeRawData(reinterpret_cast<const char*>(img.constScanLine(y)), static_cast<int>(rowBytes));
}

template <typename T>
void put(QDataStream& s, const std::vector<T>& v);

void put(QDataStream& s, const ClassScore& v)
{
    put(s, v.index);
    put(s, v.label);
    put(s, v.probability);
}
void put(QDataStream& s, const ChannelStats& v)
{
    put(s, v.mean);
    put(s, v.max);
    put(s, v.sparsity);
    put(s, v.dead);
}
void put(QDataStream& s, const ChannelTile& v)
{
    put(s, v.channel);
    put(s, v.mean);
    put(s, v.image);
}
void put(QDataStream& s, const LayerResult& v)
{
    put(s, v.name);
    put(s, v.shape);
    put(s, v.channels);
    put(s, v.histogram);
    put(s, v.histogramMin);
    put(s, v.histogramMax);
    put(s, v.sparsity);
    put(s, v.deadChannels);
    put(s, v.tiles);
}
void put(QDataStream& s, const CamResult& v)
{
    put(s, v.method);
    put(s, v.classIndex);
    put(s, v.label);
    put(s, v.layer);
    put(s, v.gridHeight);
    put(s, v.gridWidth);
    put(s, v.grid);
    put(s, v.heatmapSize);
    put(s, v.heatmap);
    put(s, v.guided);
    put(s, v.faithfulness.confidence);
    put(s, v.faithfulness.maskedConfidence);
    put(s, v.faithfulness.drop);
    put(s, v.faithfulness.increase);
}

template <typename T>
void put(QDataStream& s, const std::vector<T>& v)
{
    s << static_cast<quint64>(v.size());
    for (const T& item : v)
        put(s, item);
}

// --- reading -----------------------------------------------------------------------------------------------
// Each get() returns false on a short or malformed stream; element counts are checked against the bytes left so
// a corrupt count cannot trigger a huge allocation.

bool ok(QDataStream& s)
{
    return s.status() == QDataStream::Ok;
}

bool countFits(QDataStream& s, quint64 count, quint64 minBytesPerElement)
{
    const qint64 left = s.device()->bytesAvailable();
    return left >= 0 && count <= static_cast<quint64>(left) / std::max<quint64>(1, minBytesPerElement);
}

bool get(QDataStream& s, std::string& v)
{
    QByteArray bytes;
    s >> bytes;
    v.assign(bytes.constData(), static_cast<std::size_t>(bytes.size()));
    return ok(s);
}
bool get(QDataStream& s, float& v)
{
    quint32 bits = 0;
    s >> bits;
    v = std::bit_cast<float>(bits);
    return ok(s);
}
bool get(QDataStream& s, double& v)
{
    quint64 bits = 0;
    s >> bits;
    v = std::bit_cast<double>(bits);
    return ok(s);
}
bool get(QDataStream& s, bool& v)
{
    return (s >> v, ok(s));
}
bool get(QDataStream& s, int& v)
{
    qint32 x = 0;
    s >> x;
    v = x;
    return ok(s);
}
bool get(QDataStream& s, int64_t& v)
{
    qint64 x = 0;
    s >> x;
    v = x;
    return ok(s);
}

bool get(QDataStream& s, QImage& image)
{
    qint32 format = 0;
    s >> format;
    if (!ok(s) || format < 0 || format >= QImage::NImageFormats)
        return false;
    if (format == QImage::Format_Invalid) {
        image = QImage();
        return true;
    }
    qint32 width = 0, height = 0;
    s >> width >> height;
    if (!ok(s) || width <= 0 || height <= 0 || width > 65536 || height > 65536)
        return false;
    QImage img(width, height, static_cast<QImage::Format>(format));
    if (img.isNull())
        return false;
    const qsizetype rowBytes = (static_cast<qsizetype>(width) * img.depth() + 7) / 8;
    if (!countFits(s, static_cast<quint64>(height), static_cast<quint64>(rowBytes)))
        return false;
    for (int y = 0; y < height; ++y) {
        if (s.readRawData(reinterpret_cast<char*>(img.scanLine(y)), static_cast<int>(rowBytes)) != rowBytes)
            return false;
    }
    image = std::move(img);
    return ok(s);
}

template <typename T>
bool get(QDataStream& s, std::vector<T>& v);

bool get(QDataStream& s, ClassScore& v)
{
    return get(s, v.index) && get(s, v.label) && get(s, v.probability);
}
bool get(QDataStream& s, ChannelStats& v)
{
    return get(s, v.mean) && get(s, v.max) && get(s, v.sparsity) && get(s, v.dead);
}
bool get(QDataStream& s, ChannelTile& v)
{
    return get(s, v.channel) && get(s, v.mean) && get(s, v.image);
}
bool get(QDataStream& s, LayerResult& v)
{
    return get(s, v.name) && get(s, v.shape) && get(s, v.channels) && get(s, v.histogram) && get(s, v.histogramMin) &&
           get(s, v.histogramMax) && get(s, v.sparsity) && get(s, v.deadChannels) && get(s, v.tiles);
}
bool get(QDataStream& s, CamResult& v)
{
    return get(s, v.method) && get(s, v.classIndex) && get(s, v.label) && get(s, v.layer) && get(s, v.gridHeight) &&
           get(s, v.gridWidth) && get(s, v.grid) && get(s, v.heatmapSize) && get(s, v.heatmap) && get(s, v.guided) &&
           get(s, v.faithfulness.confidence) && get(s, v.faithfulness.maskedConfidence) &&
           get(s, v.faithfulness.drop) && get(s, v.faithfulness.increase);
}

template <typename T>
bool get(QDataStream& s, std::vector<T>& v)
{
    quint64 count = 0;
    s >> count;
    // Every element takes at least one byte on the wire.
    if (!ok(s) || !countFits(s, count, 1))
        return false;
    v.clear();
    v.resize(static_cast<std::size_t>(count));
    for (T& item : v) {
        if (!get(s, item))
            return false;
    }
    return true;
}

std::size_t bytesOf(const std::string& v)
{
    return v.capacity() + sizeof(std::string);
}
std::size_t bytesOf(const QImage& v)
{
    return static_cast<std::size_t>(v.sizeInBytes()) + sizeof(QImage);
}
template <typename T>
std::size_t vectorBytes(const std::vector<T>& v)
{
    return v.capacity() * sizeof(T);
}

}  // namespace

QByteArray encodeResult(const AnalysisResult& r)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setVersion(kStreamVersion);
    put(s, r.imageSha256);
    put(s, r.modelId);
    put(s, r.weights);
    put(s, r.input);
    put(s, r.prediction.top);
    put(s, r.prediction.logits);
    put(s, r.layers);
    put(s, r.cams);
    s << static_cast<quint64>(r.timingsMs.size());
    for (const auto& [stage, ms] : r.timingsMs) {
        put(s, stage);
        put(s, ms);
    }
    return bytes;
}

Expected<AnalysisResult> decodeResult(const QByteArray& bytes)
{
    QDataStream s(bytes);
    s.setVersion(kStreamVersion);
    AnalysisResult r;
    bool good = get(s, r.imageSha256) && get(s, r.modelId) && get(s, r.weights) && get(s, r.input) &&
                get(s, r.prediction.top) && get(s, r.prediction.logits) && get(s, r.layers) && get(s, r.cams);
    if (good) {
        quint64 count = 0;
        s >> count;
        good = ok(s) && countFits(s, count, 1);
        for (quint64 i = 0; good && i < count; ++i) {
            std::string stage;
            double ms = 0.0;
            good = get(s, stage) && get(s, ms);
            if (good)
                r.timingsMs[stage] = ms;
        }
    }
    if (!good)
        return makeError("cached result is truncated or malformed (read stopped at byte " +
                         std::to_string(s.device()->pos()) + " of " + std::to_string(bytes.size()) + ")");
    if (!s.atEnd())
        return makeError("cached result has " + std::to_string(s.device()->bytesAvailable()) +
                         " unexpected trailing bytes");
    return r;
}

std::size_t approximateBytes(const AnalysisResult& r)
{
    std::size_t total =
        sizeof(AnalysisResult) + bytesOf(r.imageSha256) + bytesOf(r.modelId) + bytesOf(r.weights) + bytesOf(r.input);
    for (const ClassScore& c : r.prediction.top)
        total += sizeof(ClassScore) + c.label.capacity();
    total += vectorBytes(r.prediction.logits);
    for (const LayerResult& l : r.layers) {
        total += sizeof(LayerResult) + l.name.capacity() + vectorBytes(l.shape) + vectorBytes(l.channels) +
                 vectorBytes(l.histogram);
        for (const ChannelTile& t : l.tiles)
            total += sizeof(ChannelTile) + static_cast<std::size_t>(t.image.sizeInBytes());
    }
    for (const CamResult& c : r.cams)
        total += sizeof(CamResult) + c.method.capacity() + c.label.capacity() + c.layer.capacity() +
                 vectorBytes(c.grid) + vectorBytes(c.heatmap) + vectorBytes(c.guided);
    for (const auto& [stage, ms] : r.timingsMs)
        total += stage.capacity() + sizeof(double) + 64;  // map node overhead
    return total;
}

}  // namespace convlens
