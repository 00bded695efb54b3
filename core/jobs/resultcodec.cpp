#include "core/jobs/resultcodec.h"

#include <QDataStream>
#include <QIODevice>

#include <algorithm>
#include <bit>
#include <concepts>
#include <map>
#include <string>
#include <vector>

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

void put(QDataStream& s, const std::map<std::string, double>& v)
{
    s << static_cast<quint64>(v.size());
    for (const auto& [key, value] : v) {
        put(s, key);
        put(s, value);
    }
}

template <Described T>
void put(QDataStream& s, const T& v);

template <typename T>
void put(QDataStream& s, const std::vector<T>& v)
{
    s << static_cast<quint64>(v.size());
    for (const T& item : v)
        put(s, item);
}

// A described struct is its fields in order, with nothing between them (a nested struct inline, so the bytes are
// the same as when Faithfulness and Prediction were written field by field).
template <Described T>
void put(QDataStream& s, const T& v)
{
    forEachField<T>([&](const auto& f) { put(s, v.*f.member); });
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

bool get(QDataStream& s, std::map<std::string, double>& v)
{
    quint64 count = 0;
    s >> count;
    if (!ok(s) || !countFits(s, count, 1))
        return false;
    v.clear();
    for (quint64 i = 0; i < count; ++i) {
        std::string key;
        double value = 0.0;
        if (!get(s, key) || !get(s, value))
            return false;
        v[key] = value;
    }
    return true;
}

template <Described T>
bool get(QDataStream& s, T& v);

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

template <Described T>
bool get(QDataStream& s, T& v)
{
    bool good = true;
    forEachField<T>([&](const auto& f) { good = good && get(s, v.*f.member); });
    return good;
}

// --- size estimate -----------------------------------------------------------------------------------------
// heapBytes: memory a value owns beyond its own sizeof.

std::size_t heapBytes(const std::string& v)
{
    return v.capacity();
}
std::size_t heapBytes(const QImage& v)
{
    return static_cast<std::size_t>(v.sizeInBytes());
}
std::size_t heapBytes(std::integral auto)
{
    return 0;
}
std::size_t heapBytes(std::floating_point auto)
{
    return 0;
}
std::size_t heapBytes(const std::map<std::string, double>& v)
{
    constexpr std::size_t kNodeOverhead = 64;  // a red-black tree node's pointers, colour and allocator rounding
    std::size_t total = 0;
    for (const auto& [key, value] : v)
        total += sizeof(std::pair<const std::string, double>) + kNodeOverhead + heapBytes(key);
    return total;
}

template <Described T>
std::size_t heapBytes(const T& v);

template <typename T>
std::size_t heapBytes(const std::vector<T>& v)
{
    std::size_t total = v.capacity() * sizeof(T);
    for (const T& item : v)
        total += heapBytes(item);
    return total;
}

template <Described T>
std::size_t heapBytes(const T& v)
{
    std::size_t total = 0;
    forEachField<T>([&](const auto& f) { total += heapBytes(v.*f.member); });
    return total;
}

}  // namespace

QByteArray encodeResult(const AnalysisResult& r)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setVersion(kStreamVersion);
    put(s, r);
    return bytes;
}

Expected<AnalysisResult> decodeResult(const QByteArray& bytes)
{
    QDataStream s(bytes);
    s.setVersion(kStreamVersion);
    AnalysisResult r;
    if (!get(s, r))
        return makeError(ErrorKind::Internal, "cached result is truncated or malformed (read stopped at byte " +
                                                  std::to_string(s.device()->pos()) + " of " +
                                                  std::to_string(bytes.size()) + ")");
    if (!s.atEnd())
        return makeError(ErrorKind::Internal, "cached result has " + std::to_string(s.device()->bytesAvailable()) +
                                                  " unexpected trailing bytes");
    return r;
}

std::size_t approximateBytes(const AnalysisResult& r)
{
    return sizeof(AnalysisResult) + heapBytes(r);
}

}  // namespace convlens
