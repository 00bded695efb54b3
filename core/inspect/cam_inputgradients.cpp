// Input-gradient attributions, as Captum defines them: gradient × input (Shrikumar et al. 2016) and Integrated
// Gradients (Sundararajan et al. 2017). Each returns one attribution image [3,S,S] per class at the input's
// resolution (in the normalised input's units) and, as the guided methods, its saliency max_c |image| as the map.
//
// Integrated Gradients: attributions = (x − x') · ∫₀¹ ∂F_c(x' + α(x − x'))/∂x dα from the baseline x'
// (MethodOptions::integratedGradientsBaseline: the black image, the image blurred, or 0 in the normalised input —
// Captum's default, the dataset's mean image), the integral by the trapezoidal rule over
// MethodOptions::integratedGradientsSteps points (Captum's "riemann_trapezoid"), with Captum's convergence delta:
// the sum of the attributions minus F(x) − F(x'). The points of all classes run in batches of the context's batch
// size; the cancel flag is checked between batches.
#include "core/inspect/cammethod.h"

#include "core/models/network.h"

namespace convlens {

namespace {

// d logits[i, classes[i]] / d points[i] for every row i of `points` [N,3,S,S], from one backward pass (eval mode:
// the rows are independent). Undefined when `cancel` was set during the forward pass.
// `selected`, when given, receives those logits [N].
torch::Tensor inputGradients(NetworkImpl& net, const torch::Tensor& points, const std::vector<int64_t>& classes,
                             const std::atomic<bool>* cancel, torch::Tensor* selected = nullptr)
{
    torch::AutoGradMode enabled(true);
    torch::Tensor leaf = points.detach().clone().requires_grad_(true);
    const torch::Tensor logits = net.forward(leaf, cancel);
    if (!logits.defined())
        return {};
    const torch::Tensor index = torch::tensor(classes, torch::kLong).to(logits.device()).unsqueeze(1);
    const torch::Tensor chosen = logits.gather(1, index);
    chosen.sum().backward();
    if (selected)
        *selected = chosen.detach().view({-1});
    return leaf.grad().detach();
}

Error cancelled()
{
    return makeError(ErrorKind::Cancelled, "cancelled");
}

// Half-sample symmetric padding indices (scipy.ndimage's mode "reflect": d c b a | a b c d | d c b a) of an axis of
// `size` widened by `radius` on each side.
torch::Tensor reflectIndices(int64_t size, int64_t radius, torch::Device device)
{
    std::vector<int64_t> index;
    for (int64_t i = -radius; i < size + radius; ++i) {
        int64_t j = i;
        while (j < 0 || j >= size)
            j = j < 0 ? -j - 1 : 2 * size - j - 1;
        index.push_back(j);
    }
    return torch::tensor(index, torch::kLong).to(device);
}

// `image` [1,3,H,W] under a Gaussian blur of `sigma` pixels, as scipy.ndimage.gaussian_filter(sigma, mode
// "reflect", truncate 3): separable, radius int(3σ + 0.5), weights normalised to 1. Blurring the normalised input
// equals normalising the blurred image (the normalisation is affine per channel and the weights sum to 1).
torch::Tensor gaussianBlur(const torch::Tensor& image, double sigma)
{
    const auto radius = static_cast<int64_t>(3.0 * sigma + 0.5);
    torch::Tensor x = torch::arange(-radius, radius + 1, image.options()).to(torch::kFloat64);
    torch::Tensor kernel = torch::exp(-0.5 * (x / sigma).pow(2));
    kernel = (kernel / kernel.sum()).to(image.scalar_type());
    const int64_t channels = image.size(1);
    torch::Tensor out = image.index_select(2, reflectIndices(image.size(2), radius, image.device()));
    namespace F = torch::nn::functional;
    const auto grouped = F::Conv2dFuncOptions().groups(channels);
    out = F::conv2d(out, kernel.view({1, 1, -1, 1}).repeat({channels, 1, 1, 1}), grouped);
    out = out.index_select(3, reflectIndices(image.size(3), radius, image.device()));
    return F::conv2d(out, kernel.view({1, 1, 1, -1}).repeat({channels, 1, 1, 1}), grouped);
}

// The path's start for the context's options, [1,3,S,S] or broadcastable to it.
torch::Tensor integratedGradientsBaseline(const CamContext& c)
{
    const std::string& name = c.options.integratedGradientsBaseline;
    if (name == "blurred")
        return gaussianBlur(c.input, kBlurredBaselineSigma);
    if (name == "mean")
        return torch::zeros_like(c.input);
    return c.black.expand_as(c.input);
}

class GradientTimesInput : public CamMethod {
public:
    bool needsGradients() const override { return false; }
    bool backpropagates() const override { return true; }
    bool explainsAtInput() const override { return true; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const auto k = static_cast<int64_t>(c.classes.size());
        const int64_t batch = std::max(1, c.batchSize);
        std::vector<torch::Tensor> images;
        for (int64_t first = 0; first < k; first += batch) {
            if (c.cancel && c.cancel->load())
                return cancelled();
            const int64_t end = std::min(k, first + batch);
            const std::vector<int64_t> classes(c.classes.begin() + first, c.classes.begin() + end);
            const torch::Tensor grads = inputGradients(*c.network, c.input.expand({end - first, -1, -1, -1}),
                                                       classes, c.cancel);
            if (!grads.defined())
                return cancelled();
            images.push_back(grads * c.input);
            if (c.progress)
                c.progress(static_cast<double>(end) / static_cast<double>(k));
        }
        const torch::Tensor all = torch::cat(images);
        return CamMaps{all.abs().amax(1), all};
    }
};

class IntegratedGradients : public CamMethod {
public:
    bool needsGradients() const override { return false; }
    bool backpropagates() const override { return true; }
    bool explainsAtInput() const override { return true; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const int64_t n = std::max(2, c.options.integratedGradientsSteps);
        const torch::Tensor baseline = integratedGradientsBaseline(c);
        const torch::Tensor path = c.input - baseline;
        const auto k = static_cast<int64_t>(c.classes.size());
        const torch::Tensor alphas = torch::linspace(0.0, 1.0, n, c.input.options());
        std::vector<double> weights(static_cast<size_t>(n), 1.0 / static_cast<double>(n - 1));
        weights.front() = weights.back() = 0.5 / static_cast<double>(n - 1);
        torch::Tensor sums = torch::zeros({k, c.input.size(1), c.input.size(2), c.input.size(3)}, c.input.options());
        torch::Tensor change = torch::zeros({k}, c.input.options());  // logit at the image − at the baseline
        const int64_t total = k * n;
        const int64_t batch = std::max(1, c.batchSize);
        for (int64_t first = 0; first < total; first += batch) {
            if (c.cancel && c.cancel->load())
                return cancelled();
            const int64_t end = std::min(total, first + batch);
            std::vector<int64_t> classes;
            std::vector<int64_t> steps;
            for (int64_t p = first; p < end; ++p) {
                classes.push_back(c.classes[static_cast<size_t>(p / n)]);
                steps.push_back(p % n);
            }
            const torch::Tensor alpha = alphas.index_select(0, torch::tensor(steps, torch::kLong).to(alphas.device()));
            const torch::Tensor points = baseline + alpha.view({-1, 1, 1, 1}) * path;
            torch::Tensor logits;
            const torch::Tensor grads = inputGradients(*c.network, points, classes, c.cancel, &logits);
            if (!grads.defined())
                return cancelled();
            for (int64_t p = first; p < end; ++p) {
                sums[p / n] += weights[static_cast<size_t>(p % n)] * grads[p - first];
                if (p % n == 0)
                    change[p / n] -= logits[p - first];
                else if (p % n == n - 1)
                    change[p / n] += logits[p - first];
            }
            if (c.progress)
                c.progress(static_cast<double>(end) / static_cast<double>(total));
        }
        const torch::Tensor images = sums * path;  // (x − x') · the integral
        CamMaps maps{images.abs().amax(1), images};
        maps.deltas = images.sum({1, 2, 3}) - change;  // Captum's convergence delta
        return maps;
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeGradientTimesInput()
{
    return std::make_unique<GradientTimesInput>();
}

std::unique_ptr<CamMethod> makeIntegratedGradients()
{
    return std::make_unique<IntegratedGradients>();
}

}  // namespace convlens
