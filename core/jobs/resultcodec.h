#pragma once
// ResultCodec: AnalysisResult to bytes and back, for the disk cache. Every field of the Fields<T> descriptions
// (analysisresult.h) is written in their order, nested structs inline, vectors and maps count-prefixed, images as
// raw pixels with their format so they come back bit-identical. The byte layout is versioned by the caller
// (ResultCache's file header) with kResultCodecVersion, a fingerprint of the descriptions (every field's name and
// type, in order): adding, removing, renaming, reordering or retyping a described field changes it by itself, so
// older cache files are recomputed instead of misread. Bump kResultCodecRevision only when the encoding of a leaf
// type (string, number, image, ...) changes.
//
// Stateless, any thread. decode fails (never throws, never allocates more than the input could hold) on
// truncated or malformed bytes, with a message saying what was wrong.

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"

#include <QByteArray>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace convlens {

// 2: CamResult::guided (the last hand-numbered version; the fingerprint covers field changes since).
inline constexpr quint32 kResultCodecRevision = 2;

namespace codec {

template <typename>
inline constexpr bool kIsVector = false;
template <typename T>
inline constexpr bool kIsVector<std::vector<T>> = true;

constexpr quint32 fnv1a(quint32 hash, std::string_view text)
{
    for (char c : text)
        hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    return hash;
}

// Folds T's wire type into `hash`: a described struct as its fields' names and types in order, a leaf as its kind
// and size. A type the codec cannot write does not compile.
template <typename T>
constexpr quint32 schemaHash(quint32 hash)
{
    if constexpr (Described<T>) {
        hash = fnv1a(hash, "{");
        forEachField<T>([&](const auto& f) {
            hash = fnv1a(fnv1a(hash, f.name), ":");
            hash = schemaHash<typename std::remove_cvref_t<decltype(f)>::Type>(hash);
            hash = fnv1a(hash, ";");
        });
        return fnv1a(hash, "}");
    } else if constexpr (kIsVector<T>) {
        return schemaHash<typename T::value_type>(fnv1a(hash, "["));
    } else if constexpr (std::is_same_v<T, std::map<std::string, double>>) {
        return fnv1a(hash, "map<string,f8>");
    } else if constexpr (std::is_same_v<T, std::string>) {
        return fnv1a(hash, "string");
    } else if constexpr (std::is_same_v<T, QImage>) {
        return fnv1a(hash, "image");
    } else if constexpr (std::is_same_v<T, bool>) {
        return fnv1a(hash, "bool");
    } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
        const char size[] = {std::is_integral_v<T> ? 'i' : 'f', static_cast<char>('0' + sizeof(T)), '\0'};
        return fnv1a(hash, size);
    } else {
        static_assert(!sizeof(T), "resultcodec.cpp has no encoding for this field type");
        return hash;
    }
}

}  // namespace codec

// Written into every cache file; a file with another value is recomputed (resultcache.h).
inline constexpr quint32 kResultCodecVersion =
    codec::schemaHash<AnalysisResult>(codec::fnv1a(2166136261u, "revision") ^ kResultCodecRevision);

QByteArray encodeResult(const AnalysisResult& result);
Expected<AnalysisResult> decodeResult(const QByteArray& bytes);

// Approximate memory held by a result (pixel buffers, vectors, strings); used to bound the in-memory cache.
std::size_t approximateBytes(const AnalysisResult& result);

}  // namespace convlens
