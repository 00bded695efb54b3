#include "core/inspect/predictor.h"

#include "core/common/threads.h"
#include "core/common/torchdevice.h"
#include "core/image/preprocess.h"
#include "core/inspect/topk.h"
#include "core/models/network.h"
#include "core/registry/modelspec.h"
#include "core/weights/weightloader.h"

#include <torch/torch.h>

#include <exception>
#include <new>
#include <vector>

namespace convlens {

struct Predictor::State {
    std::shared_ptr<NetworkImpl> net;
    std::string modelId;
    PreprocessSpec preprocess;
    std::vector<std::string> labels;
    torch::Device device = torch::kCPU;  // where net lives
};

Predictor::Predictor(std::shared_ptr<State> state) : mState(std::move(state)) {}

Expected<Predictor> Predictor::create(const ModelSpec& spec, const QString& weightsPath)
{
    try {
        auto net = createNetworkWithWeights(spec.id, spec.architecture, spec.numClasses, weightsPath.toStdString());
        if (!net)
            return net.error();
        auto state = std::make_shared<State>();
        state->net = std::move(*net);
        state->modelId = spec.id;
        state->preprocess = spec.preprocess;
        state->labels = spec.labels;
        state->device = torchComputeDevice();
        state->net->to(state->device);
        return Predictor(std::move(state));
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal, spec.id + ": cannot build the network: " + e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorKind::Internal, spec.id + ": out of memory while building the network");
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Internal, spec.id + ": cannot build the network: " + e.what());
    }
}

Expected<Prediction> Predictor::predict(const QImage& rgb, int topK) const
{
    try {
        applyInferenceThreads();
        const PreprocessedImage input = preprocess(rgb, mState->preprocess);
        torch::NoGradGuard noGrad;
        // from_blob does not own the buffer; `input` outlives the forward pass.
        auto x = torch::from_blob(const_cast<float*>(input.chw.data()), {1, input.channels, input.height, input.width},
                                  torch::kFloat32)
                      .to(mState->device);
        const torch::Tensor logits = mState->net->forward(x).squeeze(0).to(torch::kCPU).contiguous();
        const torch::Tensor probs = torch::softmax(logits, 0).contiguous();
        Prediction result;
        result.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
        result.top = topClasses(std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel()),
                                topK, mState->labels);
        return result;
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal, mState->modelId + ": inference failed: " + e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return makeError(ErrorKind::Internal, mState->modelId + ": out of memory during inference");
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Internal, mState->modelId + ": inference failed: " + e.what());
    }
}

const std::string& Predictor::modelId() const
{
    return mState->modelId;
}

}  // namespace convlens
