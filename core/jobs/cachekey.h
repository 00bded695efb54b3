#pragma once
// CacheKey: what identifies one analysis result. Two requests share a result only when the image bytes, the
// model, the weights file and the analysis options are all the same; changing any of them misses the cache.
//
// Plain value, any thread. The helpers read files (identifyWeights) and hash bytes; they never fail: a weights
// file that cannot be read gets an identity that says so, which simply never matches a readable one.

#include <QByteArray>
#include <QString>

#include <string>

namespace convlens {

struct CacheKey {
    std::string imageSha256;      // lowercase hex sha256 of the encoded image file's bytes
    std::string modelId;          // registry id, e.g. "resnet50"
    std::string weightsIdentity;  // see identifyWeights()
    std::string optionsKey;       // AnalysisOptions::key()

    // One canonical string holding every field (length-prefixed, so no field can bleed into another).
    std::string toString() const;

    bool operator==(const CacheKey&) const = default;

    // Lowercase hex sha256 of `bytes`.
    static std::string sha256Hex(const QByteArray& bytes);

    // "untrained" for an empty path; otherwise the absolute path, the size and the modification time, so a
    // replaced or re-downloaded checkpoint misses. A missing file yields "<path>|missing".
    static std::string identifyWeights(const QString& weightsPath);

    static CacheKey make(const QByteArray& imageBytes, const std::string& modelId, const QString& weightsPath,
                         const std::string& optionsKey);
};

}  // namespace convlens
