#pragma once
// ResultCodec: AnalysisResult to bytes and back, for the disk cache. Every field is written, images as raw
// pixels with their format so they come back bit-identical. The byte layout is versioned by the caller
// (ResultCache's file header); bump kResultCodecVersion whenever a field is added, removed or reordered.
//
// Stateless, any thread. decode fails (never throws, never allocates more than the input could hold) on
// truncated or malformed bytes, with a message saying what was wrong.

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"

#include <QByteArray>

#include <cstddef>

namespace convlens {

inline constexpr quint32 kResultCodecVersion = 2;  // 2: CamResult::guided

QByteArray encodeResult(const AnalysisResult& result);
Expected<AnalysisResult> decodeResult(const QByteArray& bytes);

// Approximate memory held by a result (pixel buffers, vectors, strings); used to bound the in-memory cache.
std::size_t approximateBytes(const AnalysisResult& result);

}  // namespace convlens
