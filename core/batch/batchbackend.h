#pragma once
// BatchBackend: what a folder batch needs from the engine — a batched forward pass over preprocessed images, and
// the full analysis of one image for its report — so the batch runner (core/batch/batchrunner.h) stays torch-free
// and can be tested with a stand-in. The AnalysisEngine (core/jobs/analysisrequest.h) is the real one: it shares
// its model pool with the window's analyses, so a model is loaded once.
//
// Threads: analyzeImage from one thread at a time (the inference worker). classify may also run on several threads
// at once (a batch's streams: the same loaded network, each pass on its own thread with `threads` intra-op
// threads); otherwise each call applies the configured intra-op thread count on its thread first.
// Failure: a model that cannot be built or whose weights do not fit (kind Weights), an unknown layer (BadInput),
// an inference error or out of memory (Internal), cancellation (Cancelled); messages name the model. Nothing
// throws.

#include "core/common/expected.h"
#include "core/image/preprocess.h"
#include "core/inspect/analysisresult.h"
#include "core/registry/modelspec.h"

#include <QImage>
#include <QString>

#include <atomic>
#include <string>
#include <vector>

namespace convlens {

class BatchBackend {
public:
    virtual ~BatchBackend() = default;

    // One forward pass over `images` (each preprocessed for `spec`, all the same size), top-K per image and, when
    // `meanLayer` (a block or stage name) is given, that layer's channel means. Results in the order of `images`.
    // `threads` > 0: the pass uses that many intra-op threads on the calling thread; 0: the configured count.
    virtual Expected<std::vector<ClassifyOutput>> classify(const ModelSpec& spec, const QString& weightsPath,
                                                           const std::vector<PreprocessedImage>& images, int topK,
                                                           const std::string& meanLayer, int threads,
                                                           const std::atomic<bool>* cancel) const = 0;

    // The intra-op thread count an inference would use now (the configured count; automatic: chosen from the load
    // other programs put on the cores). A batch runs that many forward passes side by side, one thread each.
    virtual int inferenceThreads() const = 0;

    // The Analyzer's full analysis of one decoded RGB image (what a report shows).
    virtual Expected<AnalysisResult> analyzeImage(const ModelSpec& spec, const QString& weightsPath,
                                                  const QImage& rgb, const AnalysisOptions& options,
                                                  const std::atomic<bool>* cancel) const = 0;
};

}  // namespace convlens
