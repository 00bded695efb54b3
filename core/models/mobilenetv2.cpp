#include "core/models/mobilenetv2.h"

#include <cmath>

namespace convlens {

namespace nn = torch::nn;

torch::nn::Functional hardswishModule()
{
    return nn::Functional([](torch::Tensor x) { return torch::hardswish(x); });
}

torch::nn::Functional hardsigmoidModule()
{
    return nn::Functional([](torch::Tensor x) { return torch::hardsigmoid(x); });
}

Conv2dNormActivationImpl::Conv2dNormActivationImpl(const ConvNormActivationOptions& o)
{
    const int64_t padding = (o.kernel - 1) / 2 * o.dilation;
    push_back(nn::Conv2d(nn::Conv2dOptions(o.in, o.out, o.kernel)
                             .stride(o.stride)
                             .padding(padding)
                             .dilation(o.dilation)
                             .groups(o.groups)
                             .bias(false)));
    push_back(nn::BatchNorm2d(nn::BatchNorm2dOptions(o.out).eps(o.bnEps).momentum(o.bnMomentum)));
    switch (o.activation) {
        case ConvActivation::None:
            break;
        case ConvActivation::ReLU:
            push_back(nn::ReLU());
            break;
        case ConvActivation::ReLU6:
            push_back(nn::ReLU6());
            break;
        case ConvActivation::Hardswish:
            push_back(hardswishModule());
            break;
        case ConvActivation::SiLU:
            push_back(nn::SiLU());
            break;
    }
}

int64_t makeDivisible(double v, int64_t divisor)
{
    int64_t newV = std::max<int64_t>(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
    if (newV < 0.9 * v)
        newV += divisor;
    return newV;
}

namespace {

struct MobileNetV2Config {
    const char* id;
    double widthMult;
};

const MobileNetV2Config kConfigs[] = {
    {"mobilenet_v2", 1.0},
};

const MobileNetV2Config* findConfig(const std::string& id)
{
    for (const MobileNetV2Config& config : kConfigs)
        if (id == config.id)
            return &config;
    return nullptr;
}

// torchvision's mobilenetv2.InvertedResidual: children of "conv" are [expand CNA], depthwise CNA, Conv2d, BN.
class InvertedResidualImpl : public nn::Module, public MergingModule {
public:
    InvertedResidualImpl(int64_t inp, int64_t oup, int64_t stride, int64_t expandRatio)
        : mUseResConnect(stride == 1 && inp == oup)
    {
        TORCH_CHECK(stride == 1 || stride == 2, "stride should be 1 or 2, got ", stride);
        const int64_t hidden = static_cast<int64_t>(std::round(static_cast<double>(inp * expandRatio)));
        nn::Sequential layers;
        if (expandRatio != 1)
            layers->push_back(Conv2dNormActivation(
                ConvNormActivationOptions{.in = inp, .out = hidden, .kernel = 1, .activation = ConvActivation::ReLU6}));
        layers->push_back(Conv2dNormActivation(ConvNormActivationOptions{
            .in = hidden, .out = hidden, .stride = stride, .groups = hidden, .activation = ConvActivation::ReLU6}));
        layers->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, oup, 1).bias(false)));
        layers->push_back(nn::BatchNorm2d(oup));
        conv = register_module("conv", layers);
    }

    torch::Tensor forward(const torch::Tensor& x) { return mUseResConnect ? x + conv->forward(x) : conv->forward(x); }
    BlockMerge merge() const override { return BlockMerge(mUseResConnect ? MergeKind::Add : MergeKind::None); }

    nn::Sequential conv{nullptr};

private:
    bool mUseResConnect;
};
TORCH_MODULE(InvertedResidual);

}  // namespace

MobileNetV2Impl::MobileNetV2Impl(const std::string& architecture, int64_t numClasses)
    : NetworkImpl(architecture, numClasses)
{
    const MobileNetV2Config* config = findConfig(architecture);
    TORCH_CHECK(config, "not a MobileNetV2 variant: '", architecture, "'");
    const double width = config->widthMult;

    struct Stage {
        int64_t expand, out, repeats, stride;
    };
    // expand, out, repeats, stride
    const Stage stages[] = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    };

    int64_t inputChannel = makeDivisible(32 * width, 8);
    const int64_t lastChannel = makeDivisible(1280 * std::max(1.0, width), 8);

    auto features = register_module("features", nn::Sequential());
    auto addFeature = [&](auto module) {
        const std::string name = "features." + std::to_string(features->size());
        features->push_back(module);
        addModuleBlock(name, module);
    };
    addFeature(Conv2dNormActivation(
        ConvNormActivationOptions{.in = 3, .out = inputChannel, .stride = 2, .activation = ConvActivation::ReLU6}));
    for (const Stage& stage : stages) {
        const int64_t outputChannel = makeDivisible(stage.out * width, 8);
        for (int64_t i = 0; i < stage.repeats; ++i) {
            addFeature(InvertedResidual(inputChannel, outputChannel, i == 0 ? stage.stride : 1, stage.expand));
            inputChannel = outputChannel;
        }
    }
    addFeature(Conv2dNormActivation(ConvNormActivationOptions{
        .in = inputChannel, .out = lastChannel, .kernel = 1, .activation = ConvActivation::ReLU6}));

    addGlobalAveragePool("pool", [](const torch::Tensor& x) {
        return torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
    });
    auto classifier =
        register_module("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(lastChannel, numClasses)));
    addModuleBlock("classifier", classifier);

    if (initialisationEnabled())
        initialiseMobileNet(*this);
}

void initialiseMobileNet(torch::nn::Module& root)
{
    namespace nn = torch::nn;
    torch::NoGradGuard noGrad;
    for (auto& module : root.modules(/*include_self=*/false)) {
        if (auto* conv = module->as<nn::Conv2d>()) {
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
            if (conv->bias.defined())
                nn::init::zeros_(conv->bias);
        } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
            nn::init::ones_(bn->weight);
            nn::init::zeros_(bn->bias);
        } else if (auto* linear = module->as<nn::Linear>()) {
            nn::init::normal_(linear->weight, 0.0, 0.01);
            nn::init::zeros_(linear->bias);
        }
    }
}

std::shared_ptr<NetworkImpl> createMobileNetV2(const std::string& architecture, int64_t numClasses)
{
    if (!findConfig(architecture))
        return nullptr;
    return std::make_shared<MobileNetV2Impl>(architecture, numClasses);
}

}  // namespace convlens
