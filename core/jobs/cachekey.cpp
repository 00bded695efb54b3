#include "core/jobs/cachekey.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFileInfo>

namespace convlens {

namespace {

void appendField(std::string& out, const char* name, const std::string& value)
{
    out += name;
    out += ':';
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += ';';
}

}  // namespace

std::string CacheKey::toString() const
{
    std::string out = "convlens-cache-key;";
    appendField(out, "image", imageSha256);
    appendField(out, "model", modelId);
    appendField(out, "weights", weightsIdentity);
    appendField(out, "options", optionsKey);
    return out;
}

std::string CacheKey::sha256Hex(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString();
}

std::string CacheKey::identifyWeights(const QString& weightsPath)
{
    if (weightsPath.isEmpty())
        return "untrained";
    const QFileInfo info(weightsPath);
    const std::string path = info.absoluteFilePath().toStdString();
    if (!info.exists())
        return path + "|missing";
    return path + "|" + std::to_string(info.size()) + "|" + std::to_string(info.lastModified().toMSecsSinceEpoch());
}

CacheKey CacheKey::make(const QByteArray& imageBytes, const std::string& modelId, const QString& weightsPath,
                        const std::string& optionsKey)
{
    return CacheKey{sha256Hex(imageBytes), modelId, identifyWeights(weightsPath), optionsKey};
}

}  // namespace convlens
