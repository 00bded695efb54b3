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
    ChannelExemplars(std::string modelId, std::string layer, int perChannel);  // perChannel clamped to 1..1000

    // One image's channel means for the layer (one value per channel; the first call fixes the channel count, a
    // later call with another count, or an empty one, is ignored and returns false). A file is held at most once
    // per channel, at its highest mean; a non-finite mean ranks nowhere.
    bool add(const QString& file, const std::vector<float>& channelMeans);
    // Joins another run's exemplars of the same model and layer (merge, resume); false (and nothing changed) when
    // the model, the layer or the channel count differ. The result is what adding both runs' images to one tracker
    // gives, as long as `other` keeps at least as many per channel as this one (this one's perChannel bounds it).
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
    // Fails (BadInput) on a missing or mistyped field, or a channel with more than per_channel exemplars.
    static Expected<ChannelExemplars> fromJson(const QJsonObject& object);

private:
    std::string mModelId;
    std::string mLayer;
    int mPerChannel = 9;
    std::vector<std::vector<Exemplar>> mTop;  // per channel, a min-heap by (mean, file) of at most mPerChannel
};

}  // namespace convlens
