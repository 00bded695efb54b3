#include "core/models/convnext.h"

#include <cmath>

namespace convlens {

namespace {

constexpr double kLayerNormEps = 1e-6;
constexpr double kLayerScaleInit = 1e-6;

// torchvision's LayerNorm2d: a LayerNorm over the channels of an NCHW tensor (parameters "weight", "bias").
class LayerNorm2dImpl : public torch::nn::Module {
public:
    explicit LayerNorm2dImpl(int64_t channels)
        : weight(register_parameter("weight", torch::ones({channels}))),
          bias(register_parameter("bias", torch::zeros({channels}))),
          mChannels(channels)
    {
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor nhwc = x.permute({0, 2, 3, 1});
        return torch::layer_norm(nhwc, {mChannels}, weight, bias, kLayerNormEps).permute({0, 3, 1, 2});
    }

    torch::Tensor weight, bias;

private:
    int64_t mChannels;
};
TORCH_MODULE(LayerNorm2d);

torch::nn::Functional permute(std::vector<int64_t> dims)
{
    return torch::nn::Functional([dims](torch::Tensor x) { return x.permute(dims); });
}

// torchvision's CNBlock. The indices of `block` are part of the state_dict names (block.0, block.2, block.3,
// block.5), so the parameterless permutes and GELU keep their places. Stochastic depth is the identity outside
// training and has no state; ConvLens only runs inference, so it is left out.
class CNBlockImpl : public torch::nn::Module, public MergingModule {
public:
    explicit CNBlockImpl(int64_t dim)
    {
        block = register_module(
            "block",
            torch::nn::Sequential(
                torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, dim, 7).padding(3).groups(dim)), permute({0, 2, 3, 1}),
                torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(kLayerNormEps)),
                torch::nn::Linear(dim, 4 * dim), torch::nn::GELU(torch::nn::GELUOptions().approximate("none")),
                torch::nn::Linear(4 * dim, dim), permute({0, 3, 1, 2})));
        layer_scale = register_parameter("layer_scale", torch::full({dim, 1, 1}, kLayerScaleInit));
    }

    torch::Tensor forward(const torch::Tensor& x) { return layer_scale * block->forward(x) + x; }
    BlockMerge merge() const override { return BlockMerge(MergeKind::Add); }

    torch::nn::Sequential block{nullptr};
    torch::Tensor layer_scale;
};
TORCH_MODULE(CNBlock);

const std::vector<ConvNeXtVariant>& variants()
{
    // id, stage widths, stage depths
    static const std::vector<ConvNeXtVariant> table = {
        {"convnext_tiny", {96, 192, 384, 768}, {3, 3, 9, 3}},
    };
    return table;
}

// torch.nn.init.trunc_normal_(mean 0, std, a=-2, b=2): inverse-CDF sampling as torch does it in Python
// (the C++ API has no trunc_normal_).
void truncNormal(torch::Tensor& tensor, double std)
{
    constexpr double a = -2.0, b = 2.0;
    auto normCdf = [](double v) { return (1.0 + std::erf(v / std::sqrt(2.0))) / 2.0; };
    const double low = normCdf(a / std), high = normCdf(b / std);
    tensor.uniform_(2 * low - 1, 2 * high - 1);
    tensor.erfinv_();
    tensor.mul_(std * std::sqrt(2.0));
    tensor.clamp_(a, b);
}

// torchvision's ConvNeXt initialisation.
void initialise(torch::nn::Module& root)
{
    torch::NoGradGuard noGrad;
    for (const auto& module : root.modules(/*include_self=*/false)) {
        torch::Tensor weight, bias;
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            weight = conv->weight;
            bias = conv->bias;
        } else if (auto* linear = module->as<torch::nn::Linear>()) {
            weight = linear->weight;
            bias = linear->bias;
        } else {
            continue;
        }
        truncNormal(weight, 0.02);
        if (bias.defined())
            bias.zero_();
    }
}

}  // namespace

ConvNeXtImpl::ConvNeXtImpl(const ConvNeXtVariant& variant, int64_t numClasses)
    : NetworkImpl(variant.architecture, numClasses)
{
    TORCH_CHECK(!variant.channels.empty() && variant.channels.size() == variant.depths.size(),
                "ConvNeXt: stage widths and depths differ in length");
    features = register_module("features", torch::nn::ModuleList());
    auto featureName = [this] { return "features." + std::to_string(features->size()); };

    // Stem: torchvision's Conv2dNormActivation(3, C, kernel 4, stride 4, padding 0, LayerNorm2d, bias).
    torch::nn::Sequential stem(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, variant.channels[0], 4).stride(4)),
                               LayerNorm2d(variant.channels[0]));
    addModuleBlock(featureName(), stem);
    features->push_back(stem);

    for (size_t s = 0; s < variant.channels.size(); ++s) {
        const int64_t dim = variant.channels[s];
        const std::string stageName = featureName();
        torch::nn::ModuleList stage;
        features->push_back(stage);
        for (int64_t i = 0; i < variant.depths[s]; ++i) {
            CNBlock block(dim);
            stage->push_back(block);
            addModuleBlock(stageName + "." + std::to_string(i), block);
        }
        if (s + 1 < variant.channels.size()) {
            torch::nn::Sequential downsample(
                LayerNorm2d(dim),
                torch::nn::Conv2d(torch::nn::Conv2dOptions(dim, variant.channels[s + 1], 2).stride(2)));
            addModuleBlock(featureName(), downsample);
            features->push_back(downsample);
        }
    }

    avgpool = register_module("avgpool", torch::nn::AdaptiveAvgPool2d(1));
    addGlobalAveragePool("avgpool", [pool = avgpool](const torch::Tensor& x) mutable { return pool(x); });

    const int64_t last = variant.channels.back();
    classifier = register_module(
        "classifier",
        torch::nn::Sequential(LayerNorm2d(last), torch::nn::Flatten(torch::nn::FlattenOptions().start_dim(1)),
                              torch::nn::Linear(last, numClasses)));
    addModuleBlock("classifier", classifier);

    if (initialisationEnabled())
        initialise(*this);
}

std::shared_ptr<NetworkImpl> createConvNeXt(const std::string& architecture, int64_t numClasses)
{
    for (const ConvNeXtVariant& variant : variants())
        if (variant.architecture == architecture)
            return std::make_shared<ConvNeXtImpl>(variant, numClasses);
    return nullptr;
}

}  // namespace convlens
