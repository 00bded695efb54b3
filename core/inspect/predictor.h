#pragma once
// Predictor: one model with its weights, ready to classify images. Torch stays behind this header.
//
// Ownership: a Predictor owns its network; copy it cheaply (shared) but use one copy from one thread at a time.
// Threads: predict() first applies the configured intra-op thread count on its thread (core/common/threads.h).
// Errors: create() fails when the architecture is unknown or the weights file cannot be read or does not fit;
// predict() fails only on an internal inference error (ErrorKind::Internal; out of memory included). Messages name
// the file and the problem; nothing throws.

#include "core/common/expected.h"
#include "core/image/preprocessspec.h"

#include <QImage>
#include <QString>

#include <memory>
#include <string>
#include <vector>

namespace convlens {

struct ModelSpec;

struct ClassScore {
    int index = 0;
    std::string label;
    float probability = 0.0f;
};

struct Prediction {
    std::vector<ClassScore> top;  // highest probability first
    std::vector<float> logits;    // numClasses raw scores
};

// One image's share of a batched forward pass (Analyzer::classify, folder batches).
struct ClassifyOutput {
    Prediction prediction;            // top-K best first, and all logits
    std::vector<float> channelMeans;  // the mean of each channel of the asked layer's output; empty without one
};

class Predictor {
public:
    // Builds spec.architecture with spec.numClasses outputs and loads `weightsPath` into it. An empty
    // weightsPath keeps torchvision's random initialisation (untrained: predictions are meaningless).
    static Expected<Predictor> create(const ModelSpec& spec, const QString& weightsPath);

    // Classifies one RGB888 image (any size): preprocessing per the spec, one forward pass, softmax, top-K
    // (topClasses(), core/inspect/topk.h).
    Expected<Prediction> predict(const QImage& rgb, int topK) const;

    const std::string& modelId() const;

private:
    struct State;
    explicit Predictor(std::shared_ptr<State> state);
    std::shared_ptr<State> mState;
};

}  // namespace convlens
