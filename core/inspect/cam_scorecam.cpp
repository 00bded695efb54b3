// Score-CAM (Wang et al. 2020), as pytorch-grad-cam's ScoreCAM.get_cam_weights:
//   each activation channel is upsampled to the input size (bilinear, align_corners=True: the reference uses
//   torch.nn.UpsamplingBilinear2d), min-max normalised ((u - min) / (max - min + 1e-8)), multiplied into the
//   normalised input; the masked images run through the whole network in batches; the class's logits over the
//   channels, softmaxed, are the channel weights.
// The masked images do not depend on the class, so one set of forward passes serves all K classes.
// Faster Score-CAM (tabayashi0117's idea, tf-keras-vis's max_N) scores only the kFasterScoreCamChannels channels
// whose activation maps have the largest standard deviation; the softmax runs over those and the map is their
// weighted sum. A layer with no more channels than that gets exactly Score-CAM.
#include "core/inspect/cammethod.h"

#include "core/inspect/stagecosts.h"
#include "core/models/network.h"

namespace convlens {

namespace {

class ScoreCam : public CamMethod {
public:
    // `channels` > 0: Faster Score-CAM, only that many channels (those whose activation maps vary most).
    explicit ScoreCam(int64_t channels = 0) : mChannels(channels) {}

    bool needsGradients() const override { return false; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        torch::NoGradGuard noGrad;
        namespace F = torch::nn::functional;
        torch::Tensor activations = c.activations;
        if (mChannels > 0 && mChannels < activations.size(1)) {
            // tabayashi0117's Faster Score-CAM, as tf-keras-vis's max_N: the channels with the largest standard
            // deviation of their map over the positions (population std, as tf.math.reduce_std).
            const torch::Tensor spread = activations[0].flatten(1).std(1, /*unbiased=*/false);
            const torch::Tensor strongest = std::get<1>(spread.topk(mChannels));
            activations = activations.index_select(1, strongest);
        }
        const int64_t channels = activations.size(1);
        const std::vector<int64_t> size = {c.input.size(2), c.input.size(3)};
        torch::Tensor masks = F::interpolate(
            activations, F::InterpolateFuncOptions().size(size).mode(torch::kBilinear).align_corners(true));
        const torch::Tensor flat = masks.view({1, channels, -1});
        const torch::Tensor maxs = std::get<0>(flat.max(-1)).view({1, channels, 1, 1});
        const torch::Tensor mins = std::get<0>(flat.min(-1)).view({1, channels, 1, 1});
        masks = ((masks - mins) / (maxs - mins + 1e-8))[0];  // [C,S,S]

        const int64_t batch = std::max(1, c.batchSize);
        const torch::Tensor classes = torch::tensor(c.classes, torch::kInt64).to(c.input.device());
        std::vector<torch::Tensor> scores;  // per batch [b,K]
        for (int64_t start = 0; start < channels; start += batch) {
            if (c.cancel && c.cancel->load())
                return makeError(ErrorKind::Cancelled, "cancelled");
            const int64_t end = std::min(channels, start + batch);
            const torch::Tensor masked = c.input * masks.slice(0, start, end).unsqueeze(1);  // [b,3,S,S]
            const torch::Tensor logits = c.network->forward(masked, c.cancel);
            if (!logits.defined())
                return makeError(ErrorKind::Cancelled, "cancelled");
            scores.push_back(logits.index_select(1, classes));
            if (c.progress)
                c.progress(static_cast<double>(end) / static_cast<double>(channels));
        }
        const torch::Tensor weights = torch::softmax(torch::cat(scores, 0).t(), -1);  // [K,C]
        return CamMaps{weightedActivationSum(weights, activations, c.options.eigenSmooth)};
    }

private:
    int64_t mChannels;
};

}  // namespace

std::unique_ptr<CamMethod> makeScoreCam()
{
    return std::make_unique<ScoreCam>();
}

std::unique_ptr<CamMethod> makeFasterScoreCam()
{
    return std::make_unique<ScoreCam>(kFasterScoreCamChannels);
}

}  // namespace convlens
