#pragma once
// Analyzer: everything ConvLens computes for one image with one model, into a plain AnalysisResult. Torch stays
// behind this header (pimpl).
//
// One analysis runs in named stages (analyzer.cpp): preprocessing per the spec; one forward pass recording the
// requested taps (and the CAM layer); predictions (softmax top-K with labels, all logits); per tap the channel
// statistics, a histogram and the strongest channels as 8-bit tiles; per CAM method one map for each of the top-K
// classes (gradient methods share one backward pass of the network head for all K classes; guided backprop and
// guided Grad-CAM one guided backward pass through the whole network for all K), each with its faithfulness
// (pytorch-grad-cam's CamMultImageConfidenceChange; AnalysisOptions::faithfulness); stage timings. Progress is weighted by each stage's measured
// cost.
//
// Ownership: an Analyzer owns its network; copies share it (cheap). Threads: use one copy from one thread at a
// time (a worker thread; analyze() takes seconds). analyze() first applies the configured intra-op thread count
// on its thread (core/common/threads.h), whichever thread that is.
// Failure: create() fails when the architecture is unknown or the weights cannot be read or do not fit.
// analyze() fails with ErrorKind::BadInput on an empty image or an unknown tap, CAM layer (or one without a
// spatial map) or method id; with ErrorKind::Cancelled when `cancel` becomes true (checked between stages and
// between Score-CAM and faithfulness batches); with ErrorKind::Internal on an inference error, out of memory or any
// other exception. Messages name the model and the problem; nothing throws.

#include "core/common/expected.h"
#include "core/image/preprocess.h"
#include "core/inspect/analysisresult.h"

#include <QImage>
#include <QString>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace convlens {

struct ModelSpec;

class Analyzer {
public:
    // Builds spec.architecture with spec.numClasses outputs and loads `weightsPath`; an empty path keeps
    // torchvision's random initialisation (results are then meaningless but well-formed).
    static Expected<Analyzer> create(const ModelSpec& spec, const QString& weightsPath);

    // Analyses one image (any size and format; converted to RGB888). `progress`, when set, is called on this
    // thread with the fraction done (non-decreasing, in [0,1], ending at 1) and the stage being entered or
    // advanced ("preprocess", "forward", "feature maps", "gradients", "guided backprop", "cam gradcam", ...,
    // "faithfulness", "done"). result.imageSha256 is left empty: the caller knows the file bytes.
    //
    // Results come progressively when `partial` is set: it is called on this thread with the result so far after
    // each CAM method's stage that is not the last stage (the predictions, the feature maps and that method's maps
    // for every explained class are then there; faithfulness and the later methods are not, and their maps'
    // Faithfulness::measured is false). The K classes' maps of one method come together because they share one
    // batched backward pass (Score-CAM: one set of masked forwards). The returned result is the complete one.
    using PartialFn = std::function<void(const AnalysisResult& soFar)>;
    Expected<AnalysisResult> analyze(const QImage& rgb, const AnalysisOptions& options,
                                     const std::atomic<bool>* cancel = nullptr,
                                     std::function<void(double fraction, const std::string& stage)> progress = {},
                                     const PartialFn& partial = {}) const;

    // One forward pass over `images`, each preprocessed for this model (core/image/preprocess.h; all the same size):
    // per image the top-K and all logits and, when `meanLayer` (a block or stage) is given, the mean of each of its
    // channels. Without gradients, no tiles: what a folder batch needs. Fails with BadInput for an unknown layer or
    // images of different sizes, Cancelled when `cancel` is set before the pass, Internal on inference errors and
    // out of memory.
    Expected<std::vector<ClassifyOutput>> classify(const std::vector<PreprocessedImage>& images, int topK,
                                                   const std::string& meanLayer,
                                                   const std::atomic<bool>* cancel = nullptr) const;

    const std::string& modelId() const;

    // Bytes held by the network's parameters and buffers (running statistics included): what keeping this
    // model loaded costs, for the ModelPool's memory bound. Any thread.
    std::size_t parameterBytes() const;

private:
    struct State;
    explicit Analyzer(std::shared_ptr<State> state);
    std::shared_ptr<State> mState;
};

}  // namespace convlens
