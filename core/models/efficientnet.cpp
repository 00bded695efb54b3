#include "core/models/efficientnet.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace convlens {

namespace {

// torchvision.models._utils._make_divisible: the nearest multiple of 8, at least 8 and never more than 10% below.
int64_t makeDivisible(double value)
{
    constexpr int64_t divisor = 8;
    int64_t rounded = std::max<int64_t>(divisor, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
    if (rounded < 0.9 * value)
        rounded += divisor;
    return rounded;
}

// torchvision.ops.Conv2dNormActivation with BatchNorm2d (eps 1e-5) and optional SiLU; children "0", "1", "2".
class ConvNormActivationImpl : public torch::nn::Module {
public:
    ConvNormActivationImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups, bool activation)
    {
        conv = register_module("0", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                          .stride(stride)
                                                          .padding((kernel - 1) / 2)
                                                          .groups(groups)
                                                          .bias(false)));
        norm = register_module("1", torch::nn::BatchNorm2d(out));
        if (activation)
            act = register_module("2", torch::nn::SiLU());
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor y = norm(conv(x));
        return act ? act(y) : y;
    }

private:
    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d norm{nullptr};
    torch::nn::SiLU act{nullptr};
};
TORCH_MODULE(ConvNormActivation);

// torchvision.ops.SqueezeExcitation with SiLU as delta and sigmoid as sigma.
class SqueezeExcitationImpl : public torch::nn::Module {
public:
    SqueezeExcitationImpl(int64_t channels, int64_t squeezeChannels)
        : avgpool(register_module("avgpool", torch::nn::AdaptiveAvgPool2d(1))),
          fc1(register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeezeChannels, 1)))),
          fc2(register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezeChannels, channels, 1)))),
          activation(register_module("activation", torch::nn::SiLU())),
          scale_activation(register_module("scale_activation", torch::nn::Sigmoid()))
    {
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor scale = scale_activation(fc2(activation(fc1(avgpool(x)))));
        return scale * x;
    }

private:
    torch::nn::AdaptiveAvgPool2d avgpool;
    torch::nn::Conv2d fc1, fc2;
    torch::nn::SiLU activation;
    torch::nn::Sigmoid scale_activation;
};
TORCH_MODULE(SqueezeExcitation);

// One MBConv block, channels already width-scaled.
struct MBConvSpec {
    double expandRatio;
    int64_t kernel;
    int64_t stride;
    int64_t inChannels;
    int64_t outChannels;
};

// torchvision's MBConv: [expand 1x1] → depthwise → squeeze-excitation → project 1x1, residual when shapes allow.
// Stochastic depth (module "stochastic_depth") is the identity outside training and has no state; ConvLens only
// runs inference, so it is left out.
class MBConvImpl : public torch::nn::Module, public MergingModule {
public:
    explicit MBConvImpl(const MBConvSpec& spec) : mUseResidual(spec.stride == 1 && spec.inChannels == spec.outChannels)
    {
        TORCH_CHECK(spec.stride == 1 || spec.stride == 2, "MBConv: illegal stride ", spec.stride);
        const int64_t expanded = makeDivisible(static_cast<double>(spec.inChannels) * spec.expandRatio);
        block = torch::nn::Sequential();
        if (expanded != spec.inChannels)
            block->push_back(ConvNormActivation(spec.inChannels, expanded, 1, 1, 1, true));
        block->push_back(ConvNormActivation(expanded, expanded, spec.kernel, spec.stride, expanded, true));
        block->push_back(SqueezeExcitation(expanded, std::max<int64_t>(1, spec.inChannels / 4)));
        block->push_back(ConvNormActivation(expanded, spec.outChannels, 1, 1, 1, false));
        register_module("block", block);
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor result = block->forward(x);
        return mUseResidual ? result + x : result;
    }
    BlockMerge merge() const override { return BlockMerge(mUseResidual ? MergeKind::Add : MergeKind::None); }

    torch::nn::Sequential block{nullptr};

private:
    bool mUseResidual;
};
TORCH_MODULE(MBConv);

// The B0 stage table (EfficientNet paper, Table 1) before width/depth scaling.
struct StageSpec {
    double expandRatio;
    int64_t kernel;
    int64_t stride;
    int64_t inChannels;
    int64_t outChannels;
    int64_t numLayers;
};

const std::vector<StageSpec>& baseStages()
{
    // expand, kernel, stride, in, out, layers
    static const std::vector<StageSpec> stages = {
        {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
    };
    return stages;
}

const std::vector<EfficientNetVariant>& variants()
{
    // id, width_mult, depth_mult, dropout
    static const std::vector<EfficientNetVariant> table = {
        {"efficientnet_b0", 1.0, 1.0, 0.2},
        {"efficientnet_b2", 1.1, 1.2, 0.3},
        {"efficientnet_b3", 1.2, 1.4, 0.3},
    };
    return table;
}

// torchvision's EfficientNet initialisation.
void initialise(torch::nn::Module& root)
{
    torch::NoGradGuard noGrad;
    for (const auto& module : root.modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
            if (conv->bias.defined())
                conv->bias.zero_();
        } else if (auto* linear = module->as<torch::nn::Linear>()) {
            const double range = 1.0 / std::sqrt(static_cast<double>(linear->options.out_features()));
            linear->weight.uniform_(-range, range);
            linear->bias.zero_();
        }
    }
}

}  // namespace

EfficientNetImpl::EfficientNetImpl(const EfficientNetVariant& variant, int64_t numClasses)
    : NetworkImpl(variant.architecture, numClasses)
{
    auto scaleChannels = [&](int64_t channels) { return makeDivisible(channels * variant.widthMult); };
    auto scaleDepth = [&](int64_t layers) {
        return static_cast<int64_t>(std::ceil(static_cast<double>(layers) * variant.depthMult));
    };
    const std::vector<StageSpec>& stages = baseStages();

    features = register_module("features", torch::nn::ModuleList());

    const int64_t stemChannels = scaleChannels(stages.front().inChannels);
    ConvNormActivation stem(3, stemChannels, 3, 2, 1, true);
    features->push_back(stem);
    addModuleBlock("features.0", stem);

    for (size_t s = 0; s < stages.size(); ++s) {
        const StageSpec& stage = stages[s];
        const std::string stageName = "features." + std::to_string(s + 1);
        auto stageModules = torch::nn::ModuleList();
        features->push_back(stageModules);
        const int64_t layers = scaleDepth(stage.numLayers);
        const int64_t out = scaleChannels(stage.outChannels);
        for (int64_t i = 0; i < layers; ++i) {
            // Only the first block of a stage changes channels and stride.
            MBConvSpec spec{stage.expandRatio, stage.kernel, i == 0 ? stage.stride : 1,
                            i == 0 ? scaleChannels(stage.inChannels) : out, out};
            MBConv block(spec);
            stageModules->push_back(block);
            addModuleBlock(stageName + "." + std::to_string(i), block);
        }
    }

    const int64_t lastIn = scaleChannels(stages.back().outChannels);
    const int64_t lastOut = 4 * lastIn;
    ConvNormActivation head(lastIn, lastOut, 1, 1, 1, true);
    features->push_back(head);
    addModuleBlock("features." + std::to_string(stages.size() + 1), head);

    avgpool = register_module("avgpool", torch::nn::AdaptiveAvgPool2d(1));
    addGlobalAveragePool("avgpool",
                         [pool = avgpool](const torch::Tensor& x) mutable { return torch::flatten(pool(x), 1); });

    classifier = register_module("classifier",
                                 torch::nn::Sequential(torch::nn::Dropout(torch::nn::DropoutOptions(variant.dropout)),
                                                       torch::nn::Linear(lastOut, numClasses)));
    addModuleBlock("classifier", classifier);

    if (initialisationEnabled())
        initialise(*this);
}

std::shared_ptr<NetworkImpl> createEfficientNet(const std::string& architecture, int64_t numClasses)
{
    for (const EfficientNetVariant& variant : variants())
        if (variant.architecture == architecture)
            return std::make_shared<EfficientNetImpl>(variant, numClasses);
    return nullptr;
}

}  // namespace convlens
