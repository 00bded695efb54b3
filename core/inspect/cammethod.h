#pragma once
// CamMethod: one class activation map method (Grad-CAM, Score-CAM, ...), as pytorch-grad-cam defines it. Internal
// to core/inspect (includes torch); the Analyzer is the public entry point.
//
// A method turns the activations of the CAM layer (and, for gradient methods, the gradients of each target class
// logit with respect to them) into one raw map per class, before ReLU and normalisation: the Analyzer applies
// ReLU (pytorch-grad-cam's np.maximum(cam, 0)) and the min-max scaling itself. Input-space methods (guided
// backprop, guided Grad-CAM, gradient × input, Integrated Gradients) also return one 3-channel image per class at
// the input's resolution; their map is the image's saliency, max over the channels of |image|.
//
// Threads: methods are stateless; compute() runs on the caller's thread and uses the network given in the
// context, which the caller must own for the duration. Failure: Score-CAM returns an error "cancelled" when the
// cancel flag is raised between its batches; the others do not fail (c10::Error may escape on internal errors and
// is caught by the Analyzer).

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"

#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace convlens {

class NetworkImpl;

struct CamContext {
    torch::Tensor activations;      // [1,C,h,w] output of the CAM layer, detached
    torch::Tensor gradients;        // [K,C,h,w] d logits[classes[k]] / d activations; set when needsGradients()
    torch::Tensor guidedGradients;  // [K,3,S,S] guided backprop of logits[classes[k]] to the input (guidedbackprop.h);
                                    // set when needsGuidedGradients()
    std::vector<int64_t> classes;   // the K target classes
    // For methods that run the network again (Score-CAM).
    NetworkImpl* network = nullptr;
    torch::Tensor input;  // [1,3,S,S] the normalised input image
    torch::Tensor black;  // [1,3,1,1] the black image in the normalised input's units (Integrated Gradients)
    int batchSize = 32;
    MethodOptions options;  // eigen_smooth for the layer methods; Integrated Gradients' and Occlusion's settings
    const std::atomic<bool>* cancel = nullptr;
    std::function<void(double fraction)> progress;  // fraction of this method done, may be empty
};

struct CamMaps {
    explicit CamMaps(torch::Tensor rawMaps, torch::Tensor inputImages = {})
        : maps(std::move(rawMaps)), images(std::move(inputImages))
    {
    }
    torch::Tensor maps;    // [K,h,w] raw maps, before ReLU
    torch::Tensor images;  // [K,3,S,S] input-space explanations (guided methods); undefined for the others
    torch::Tensor deltas;  // [K] Integrated Gradients' convergence deltas; undefined for the others
};

class CamMethod {
public:
    virtual ~CamMethod() = default;
    virtual bool needsGradients() const { return true; }  // the CAM layer's gradients (CamContext::gradients)
    virtual bool needsGuidedGradients() const { return false; }
    // Runs a backward pass of its own or needs one (the catalogue's MethodInfo::needsGradients).
    virtual bool backpropagates() const { return needsGradients() || needsGuidedGradients(); }
    // Explains with an image at the input's resolution (CamMaps::images; the catalogue's explainsAtInput).
    virtual bool explainsAtInput() const { return needsGuidedGradients(); }
    // Its map lives at the CAM layer (the catalogue's usesCamLayer); else at the input's resolution.
    virtual bool usesCamLayer() const { return !explainsAtInput() || needsGradients(); }
    // One raw map (and for input-space methods one image) per class of the context.
    virtual Expected<CamMaps> compute(const CamContext& context) const = 0;
};

// The implementation of a method of the catalogue (core/inspect/methodcatalogue.h), or nullptr for an id it does
// not list.
std::unique_ptr<CamMethod> createCamMethod(const std::string& id);

// pytorch-grad-cam's BaseCAM.get_cam_image: sum over channels of weights[k,c] * activations[c] → [K,h,w]; with
// `eigenSmooth`, the first principal component of each class's weighted activations instead (eigen_smooth).
torch::Tensor weightedActivationSum(const torch::Tensor& weights, const torch::Tensor& activations,
                                    bool eigenSmooth = false);
// The same for methods that weight position by position: weighted [K,C,h,w] → [K,h,w].
torch::Tensor channelSum(const torch::Tensor& weighted, bool eigenSmooth);
// pytorch-grad-cam's get_2d_projection of one [C,h,w] tensor: NaNs zeroed, the (h·w) × C matrix centred per
// channel and projected on its first right singular vector → [h,w]. The singular vector's sign is LAPACK's
// (gesdd through torch::linalg_svd), as in the reference.
torch::Tensor firstComponentProjection(const torch::Tensor& activations);

// pytorch-grad-cam's scale_cam_image for one map [h,w] (after ReLU): (m - min) / (1e-7 + max(m - min)), then
// resized to size×size. The reference resizes with cv2.resize (INTER_LINEAR, half-pixel centres); this is torch's
// bilinear interpolation with align_corners=false, the same sampling for upscaling (no antialiasing).
torch::Tensor normalisedHeatmap(const torch::Tensor& grid, int64_t size);
// normalisedHeatmap of each map of `grids` [K,h,w] → [K,size,size] (normalisedHeatmap is its one-map case). On the
// CPU the maps are resized by BilinearResize, LibTorch's numbers without its call.
torch::Tensor normalisedHeatmaps(const torch::Tensor& grids, int64_t size);

std::unique_ptr<CamMethod> makeGradCam();
std::unique_ptr<CamMethod> makeGradCamPlusPlus();
std::unique_ptr<CamMethod> makeXGradCam();
std::unique_ptr<CamMethod> makeLayerCam();
std::unique_ptr<CamMethod> makeHiResCam();
std::unique_ptr<CamMethod> makeEigenCam();
std::unique_ptr<CamMethod> makeGradientTimesInput();
std::unique_ptr<CamMethod> makeIntegratedGradients();
std::unique_ptr<CamMethod> makeOcclusion();
std::unique_ptr<CamMethod> makeScoreCam();
std::unique_ptr<CamMethod> makeFasterScoreCam();
std::unique_ptr<CamMethod> makeGuidedBackprop();
std::unique_ptr<CamMethod> makeGuidedGradCam();

}  // namespace convlens
