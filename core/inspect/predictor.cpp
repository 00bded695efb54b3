#include "core/inspect/predictor.h"

#include "core/image/preprocess.h"
#include "core/models/network.h"
#include "core/registry/modelspec.h"
#include "core/weights/weightloader.h"

#include <torch/torch.h>

#include <algorithm>

namespace convlens {

struct Predictor::State {
    std::shared_ptr<NetworkImpl> net;
    std::string modelId;
    PreprocessSpec preprocess;
    std::vector<std::string> labels;
};

Predictor::Predictor(std::shared_ptr<State> state) : mState(std::move(state)) {}

Expected<Predictor> Predictor::create(const ModelSpec& spec, const QString& weightsPath)
{
    auto net = createNetworkWithWeights(spec.id, spec.architecture, spec.numClasses, weightsPath.toStdString());
    if (!net)
        return net.error();
    auto state = std::make_shared<State>();
    state->net = std::move(*net);
    state->modelId = spec.id;
    state->preprocess = spec.preprocess;
    state->labels = spec.labels;
    return Predictor(std::move(state));
}

Expected<Prediction> Predictor::predict(const QImage& rgb, int topK) const
{
    const PreprocessedImage input = preprocess(rgb, mState->preprocess);
    Prediction result;
    try {
        torch::NoGradGuard noGrad;
        // from_blob does not own the buffer; `input` outlives the forward pass.
        auto x = torch::from_blob(const_cast<float*>(input.chw.data()), {1, input.channels, input.height, input.width},
                                  torch::kFloat32);
        const torch::Tensor logits = mState->net->forward(x).squeeze(0).contiguous();
        const torch::Tensor probs = torch::softmax(logits, 0);
        const int64_t k = std::clamp<int64_t>(topK, 1, logits.size(0));
        const auto [values, indices] = probs.topk(k);
        result.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
        for (int64_t i = 0; i < k; ++i) {
            ClassScore score;
            score.index = static_cast<int>(indices[i].item<int64_t>());
            score.probability = values[i].item<float>();
            if (score.index < static_cast<int>(mState->labels.size()))
                score.label = mState->labels[score.index];
            else
                score.label = "class " + std::to_string(score.index);
            result.top.push_back(std::move(score));
        }
    } catch (const c10::Error& e) {
        return makeError(mState->modelId + ": inference failed: " + e.what_without_backtrace());
    }
    return result;
}

const std::string& Predictor::modelId() const
{
    return mState->modelId;
}

}  // namespace convlens
