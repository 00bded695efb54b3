#include "core/batch/channelexemplars.h"

#include <QJsonArray>
#include <QJsonValue>

#include <algorithm>
#include <cmath>

namespace convlens {

namespace {

constexpr int kMaxPerChannel = 1000;   // a contact sheet row; more is a corrupt file, not a wish
constexpr int kMaxChannels = 1 << 16;  // the widest layer of any supported family is 2 560 channels

// The order of the exemplars: higher mean first, then file name, so equal means give the same result in any
// order of adding.
bool stronger(const Exemplar& a, const Exemplar& b)
{
    if (a.mean != b.mean)
        return a.mean > b.mean;
    return a.file < b.file;
}

// With `stronger` as the heap's "less", the heap's front is its weakest entry: the one a newcomer replaces.
void offer(std::vector<Exemplar>& heap, int capacity, const Exemplar& candidate)
{
    auto same = std::find_if(heap.begin(), heap.end(), [&](const Exemplar& e) { return e.file == candidate.file; });
    if (same != heap.end()) {
        // One image once per channel, at its strongest: adding or merging it again changes nothing else.
        if (stronger(candidate, *same)) {
            same->mean = candidate.mean;
            std::make_heap(heap.begin(), heap.end(), stronger);
        }
        return;
    }
    if (int(heap.size()) < capacity) {
        heap.push_back(candidate);
        std::push_heap(heap.begin(), heap.end(), stronger);
        return;
    }
    if (heap.empty() || !stronger(candidate, heap.front()))
        return;
    std::pop_heap(heap.begin(), heap.end(), stronger);
    heap.back() = candidate;
    std::push_heap(heap.begin(), heap.end(), stronger);
}

}  // namespace

ChannelExemplars::ChannelExemplars(std::string modelId, std::string layer, int perChannel)
    : mModelId(std::move(modelId)), mLayer(std::move(layer)), mPerChannel(std::clamp(perChannel, 1, kMaxPerChannel))
{
}

bool ChannelExemplars::add(const QString& file, const std::vector<float>& channelMeans)
{
    if (channelMeans.empty())
        return false;
    if (mTop.empty())
        mTop.resize(channelMeans.size());
    else if (channelMeans.size() != mTop.size())
        return false;
    for (std::size_t c = 0; c < channelMeans.size(); ++c) {
        // NaN would break the heap's order and JSON has no infinities: such a mean ranks nowhere.
        if (std::isfinite(channelMeans[c]))
            offer(mTop[c], mPerChannel, Exemplar{file, channelMeans[c]});
    }
    return true;
}

bool ChannelExemplars::merge(const ChannelExemplars& other)
{
    if (other.mModelId != mModelId || other.mLayer != mLayer)
        return false;
    if (other.mTop.empty())
        return true;
    if (mTop.empty())
        mTop.resize(other.mTop.size());
    else if (other.mTop.size() != mTop.size())
        return false;
    for (std::size_t c = 0; c < mTop.size(); ++c)
        for (const Exemplar& exemplar : other.mTop[c])
            offer(mTop[c], mPerChannel, exemplar);
    return true;
}

std::vector<Exemplar> ChannelExemplars::top(int channel) const
{
    if (channel < 0 || channel >= channels())
        return {};
    std::vector<Exemplar> sorted = mTop[std::size_t(channel)];
    std::sort(sorted.begin(), sorted.end(), stronger);
    return sorted;
}

QJsonObject ChannelExemplars::toJson() const
{
    QJsonArray channelArray;
    for (int c = 0; c < channels(); ++c) {
        QJsonArray entries;
        for (const Exemplar& exemplar : top(c))
            entries.append(
                QJsonObject{{QStringLiteral("file"), exemplar.file}, {QStringLiteral("mean"), double(exemplar.mean)}});
        channelArray.append(entries);
    }
    return QJsonObject{{QStringLiteral("model"), QString::fromStdString(mModelId)},
                       {QStringLiteral("layer"), QString::fromStdString(mLayer)},
                       {QStringLiteral("per_channel"), mPerChannel},
                       {QStringLiteral("channels"), channelArray}};
}

Expected<ChannelExemplars> ChannelExemplars::fromJson(const QJsonObject& object)
{
    const auto bad = [](const std::string& what) {
        return makeError(ErrorKind::BadInput, "channel exemplars: " + what);
    };
    const QJsonValue model = object.value(QStringLiteral("model"));
    const QJsonValue layer = object.value(QStringLiteral("layer"));
    const QJsonValue perChannel = object.value(QStringLiteral("per_channel"));
    const QJsonValue channelsValue = object.value(QStringLiteral("channels"));
    if (!model.isString() || !layer.isString())
        return bad("\"model\" and \"layer\" must be strings");
    if (!perChannel.isDouble() || perChannel.toDouble() != std::floor(perChannel.toDouble()) ||
        perChannel.toDouble() < 1 || perChannel.toDouble() > kMaxPerChannel)
        return bad("\"per_channel\" must be a whole number from 1 to " + std::to_string(kMaxPerChannel));
    if (!channelsValue.isArray())
        return bad("\"channels\" must be an array (one array of exemplars per channel)");
    const QJsonArray channelArray = channelsValue.toArray();
    if (channelArray.size() > kMaxChannels)
        return bad("more than " + std::to_string(kMaxChannels) + " channels");

    ChannelExemplars result(model.toString().toStdString(), layer.toString().toStdString(), perChannel.toInt());
    result.mTop.resize(std::size_t(channelArray.size()));
    for (qsizetype c = 0; c < channelArray.size(); ++c) {
        const std::string where = "channel " + std::to_string(c);
        if (!channelArray[c].isArray())
            return bad(where + " is not an array");
        const QJsonArray entries = channelArray[c].toArray();
        if (entries.size() > result.mPerChannel)
            return bad(where + " has " + std::to_string(entries.size()) + " exemplars, more than per_channel " +
                       std::to_string(result.mPerChannel));
        for (qsizetype i = 0; i < entries.size(); ++i) {
            const QJsonObject entry = entries[i].toObject();
            const QJsonValue file = entry.value(QStringLiteral("file"));
            const QJsonValue mean = entry.value(QStringLiteral("mean"));
            if (!file.isString() || file.toString().isEmpty() || !mean.isDouble() || !std::isfinite(mean.toDouble()))
                return bad(where + " exemplar " + std::to_string(i) + ": expected {\"file\": name, \"mean\": number}");
            offer(result.mTop[std::size_t(c)], result.mPerChannel, Exemplar{file.toString(), float(mean.toDouble())});
        }
    }
    return result;
}

}  // namespace convlens
