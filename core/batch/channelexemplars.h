#pragma once
// ChannelExemplars: dataset examples for a layer's channels, as OpenAI Microscope shows them — for each channel,
// the N images of the batch that excite it most (highest channel mean). Kept while the batch runs from each
// image's channel means alone (the feature maps are never kept): memory is channels × N entries.
//
// Not thread-safe: one owner adds (the batch runner's thread); copy it to hand a snapshot to another thread.

#include "core/common/expected.h"

#include <QJsonObject>
#include <QString>

#include <string>
#include <vector>

namespace convlens {

struct Exemplar {
    QString file;  // BatchFile::relative
    float mean = 0.0f;
};

class ChannelExemplars {
public:
    ChannelExemplars() = default;
    ChannelExemplars(std::string modelId, std::string layer, int perChannel);

    // One image's channel means for the layer (one value per channel; the first call fixes the channel count, a
    // later call with another count is ignored and returns false).
    bool add(const QString& file, const std::vector<float>& channelMeans);
    // Joins another run's exemplars of the same model and layer (merge, resume); false when they differ.
    bool merge(const ChannelExemplars& other);

    // The channel's exemplars, strongest first (ties: by file name), at most perChannel.
    std::vector<Exemplar> top(int channel) const;
    int channels() const { return int(mTop.size()); }
    int perChannel() const { return mPerChannel; }
    const std::string& modelId() const { return mModelId; }
    const std::string& layer() const { return mLayer; }
    bool isEmpty() const { return mTop.empty(); }

    // {"model", "layer", "per_channel", "channels": [[{"file", "mean"}…]…]}
    QJsonObject toJson() const;
    static Expected<ChannelExemplars> fromJson(const QJsonObject& object);

private:
    std::string mModelId;
    std::string mLayer;
    int mPerChannel = 9;
    std::vector<std::vector<Exemplar>> mTop;  // per channel, a min-heap by (mean, file) of at most mPerChannel
};

}  // namespace convlens
