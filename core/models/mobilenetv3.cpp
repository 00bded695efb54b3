#include "core/models/mobilenetv3.h"

#include "core/models/mobilenetv2.h"

#include <vector>

namespace convlens {

namespace {

namespace nn = torch::nn;

// torchvision's MobileNetV3 norm layer: BatchNorm2d(eps=0.001, momentum=0.01).
constexpr double kBnEps = 0.001;
constexpr double kBnMomentum = 0.01;

// One bneck row of torchvision's _mobilenet_v3_conf (width 1.0, no reduced tail, no dilation).
struct BneckConfig {
    int64_t in, kernel, expanded, out;
    bool useSe, useHs;
    int64_t stride;
};

struct MobileNetV3Config {
    const char* id;
    std::vector<BneckConfig> bnecks;
    int64_t lastChannel;
};

constexpr bool RE = false;  // ReLU
constexpr bool HS = true;   // Hardswish

const std::vector<MobileNetV3Config>& configs()
{
    // in, kernel, expanded, out, SE, activation, stride
    static const std::vector<MobileNetV3Config> table = {
        {"mobilenet_v3_large",
         {
             {16, 3, 16, 16, false, RE, 1},
             {16, 3, 64, 24, false, RE, 2},
             {24, 3, 72, 24, false, RE, 1},
             {24, 5, 72, 40, true, RE, 2},
             {40, 5, 120, 40, true, RE, 1},
             {40, 5, 120, 40, true, RE, 1},
             {40, 3, 240, 80, false, HS, 2},
             {80, 3, 200, 80, false, HS, 1},
             {80, 3, 184, 80, false, HS, 1},
             {80, 3, 184, 80, false, HS, 1},
             {80, 3, 480, 112, true, HS, 1},
             {112, 3, 672, 112, true, HS, 1},
             {112, 5, 672, 160, true, HS, 2},
             {160, 5, 960, 160, true, HS, 1},
             {160, 5, 960, 160, true, HS, 1},
         },
         1280},
        {"mobilenet_v3_small",
         {
             {16, 3, 16, 16, true, RE, 2},
             {16, 3, 72, 24, false, RE, 2},
             {24, 3, 88, 24, false, RE, 1},
             {24, 5, 96, 40, true, HS, 2},
             {40, 5, 240, 40, true, HS, 1},
             {40, 5, 240, 40, true, HS, 1},
             {40, 5, 120, 48, true, HS, 1},
             {48, 5, 144, 48, true, HS, 1},
             {48, 5, 288, 96, true, HS, 2},
             {96, 5, 576, 96, true, HS, 1},
             {96, 5, 576, 96, true, HS, 1},
         },
         1024},
    };
    return table;
}

const MobileNetV3Config* findConfig(const std::string& id)
{
    for (const MobileNetV3Config& config : configs())
        if (id == config.id)
            return &config;
    return nullptr;
}

// torchvision.ops.SqueezeExcitation with ReLU and Hardsigmoid.
class SqueezeExcitationImpl : public nn::Module {
public:
    SqueezeExcitationImpl(int64_t inputChannels, int64_t squeezeChannels)
    {
        avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
        fc1 = register_module("fc1", nn::Conv2d(nn::Conv2dOptions(inputChannels, squeezeChannels, 1)));
        fc2 = register_module("fc2", nn::Conv2d(nn::Conv2dOptions(squeezeChannels, inputChannels, 1)));
        activation = register_module("activation", nn::ReLU());
        scale_activation = register_module("scale_activation", hardsigmoidModule());
    }

    torch::Tensor forward(const torch::Tensor& input)
    {
        torch::Tensor scale = scale_activation(fc2(activation(fc1(avgpool(input)))));
        return scale * input;
    }

    nn::AdaptiveAvgPool2d avgpool{nullptr};
    nn::Conv2d fc1{nullptr}, fc2{nullptr};
    nn::ReLU activation{nullptr};
    nn::Functional scale_activation{nullptr};
};
TORCH_MODULE(SqueezeExcitation);

// torchvision's mobilenetv3.InvertedResidual: children of "block" are [expand CNA], depthwise CNA, [SE], project CNA.
class InvertedResidualImpl : public nn::Module, public MergingModule {
public:
    explicit InvertedResidualImpl(const BneckConfig& c) : mUseResConnect(c.stride == 1 && c.in == c.out)
    {
        TORCH_CHECK(c.stride == 1 || c.stride == 2, "illegal stride value ", c.stride);
        const ConvActivation act = c.useHs ? ConvActivation::Hardswish : ConvActivation::ReLU;
        nn::Sequential layers;
        if (c.expanded != c.in)
            layers->push_back(Conv2dNormActivation(ConvNormActivationOptions{.in = c.in,
                                                                             .out = c.expanded,
                                                                             .kernel = 1,
                                                                             .activation = act,
                                                                             .bnEps = kBnEps,
                                                                             .bnMomentum = kBnMomentum}));
        layers->push_back(Conv2dNormActivation(ConvNormActivationOptions{.in = c.expanded,
                                                                         .out = c.expanded,
                                                                         .kernel = c.kernel,
                                                                         .stride = c.stride,
                                                                         .groups = c.expanded,
                                                                         .activation = act,
                                                                         .bnEps = kBnEps,
                                                                         .bnMomentum = kBnMomentum}));
        if (c.useSe)
            layers->push_back(SqueezeExcitation(c.expanded, makeDivisible(c.expanded / 4, 8)));
        layers->push_back(Conv2dNormActivation(ConvNormActivationOptions{.in = c.expanded,
                                                                         .out = c.out,
                                                                         .kernel = 1,
                                                                         .activation = ConvActivation::None,
                                                                         .bnEps = kBnEps,
                                                                         .bnMomentum = kBnMomentum}));
        block = register_module("block", layers);
    }

    torch::Tensor forward(const torch::Tensor& input)
    {
        torch::Tensor result = block->forward(input);
        return mUseResConnect ? result + input : result;
    }
    BlockMerge merge() const override { return BlockMerge(mUseResConnect ? MergeKind::Add : MergeKind::None); }

    nn::Sequential block{nullptr};

private:
    bool mUseResConnect;
};
TORCH_MODULE(InvertedResidual);

}  // namespace

MobileNetV3Impl::MobileNetV3Impl(const std::string& architecture, int64_t numClasses)
    : NetworkImpl(architecture, numClasses)
{
    const MobileNetV3Config* config = findConfig(architecture);
    TORCH_CHECK(config, "not a MobileNetV3 variant: '", architecture, "'");

    auto features = register_module("features", nn::Sequential());
    auto addFeature = [&](auto module) {
        const std::string name = "features." + std::to_string(features->size());
        features->push_back(module);
        addModuleBlock(name, module);
    };
    addFeature(Conv2dNormActivation(ConvNormActivationOptions{.in = 3,
                                                              .out = config->bnecks.front().in,
                                                              .stride = 2,
                                                              .activation = ConvActivation::Hardswish,
                                                              .bnEps = kBnEps,
                                                              .bnMomentum = kBnMomentum}));
    for (const BneckConfig& bneck : config->bnecks)
        addFeature(InvertedResidual(bneck));
    const int64_t lastConvIn = config->bnecks.back().out;
    const int64_t lastConvOut = 6 * lastConvIn;
    addFeature(Conv2dNormActivation(ConvNormActivationOptions{.in = lastConvIn,
                                                              .out = lastConvOut,
                                                              .kernel = 1,
                                                              .activation = ConvActivation::Hardswish,
                                                              .bnEps = kBnEps,
                                                              .bnMomentum = kBnMomentum}));

    auto avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
    addGlobalAveragePool("avgpool",
                         [avgpool](const torch::Tensor& x) mutable { return torch::flatten(avgpool->forward(x), 1); });
    auto classifier =
        register_module("classifier", nn::Sequential(nn::Linear(lastConvOut, config->lastChannel), hardswishModule(),
                                                     nn::Dropout(0.2), nn::Linear(config->lastChannel, numClasses)));
    addModuleBlock("classifier", classifier);

    if (initialisationEnabled())
        initialiseMobileNet(*this);
}

std::shared_ptr<NetworkImpl> createMobileNetV3(const std::string& architecture, int64_t numClasses)
{
    if (!findConfig(architecture))
        return nullptr;
    return std::make_shared<MobileNetV3Impl>(architecture, numClasses);
}

}  // namespace convlens
