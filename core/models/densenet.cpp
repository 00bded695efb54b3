#include "core/models/densenet.h"

#include <vector>

namespace convlens {

namespace {

// torchvision's _DenseLayer: BN-ReLU-Conv1x1 bottleneck, then BN-ReLU-Conv3x3 producing growthRate channels.
// Takes the concatenation of all earlier features of its block (torchvision concatenates inside the layer;
// the result is the same). drop_rate is 0 for the ImageNet models, so there is no dropout.
class DenseLayerImpl : public torch::nn::Module {
public:
    DenseLayerImpl(int64_t inChannels, int64_t growthRate, int64_t bnSize)
        : norm1(register_module("norm1", torch::nn::BatchNorm2d(inChannels))),
          relu1(register_module("relu1", torch::nn::ReLU())),
          conv1(register_module(
              "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(inChannels, bnSize * growthRate, 1).bias(false)))),
          norm2(register_module("norm2", torch::nn::BatchNorm2d(bnSize * growthRate))),
          relu2(register_module("relu2", torch::nn::ReLU())),
          conv2(register_module(
              "conv2",
              torch::nn::Conv2d(torch::nn::Conv2dOptions(bnSize * growthRate, growthRate, 3).padding(1).bias(false))))
    {
    }

    torch::Tensor forward(const torch::Tensor& concatenated)
    {
        torch::Tensor bottleneck = conv1(relu1(norm1(concatenated)));
        return conv2(relu2(norm2(bottleneck)));
    }

private:
    torch::nn::BatchNorm2d norm1;
    torch::nn::ReLU relu1;
    torch::nn::Conv2d conv1;
    torch::nn::BatchNorm2d norm2;
    torch::nn::ReLU relu2;
    torch::nn::Conv2d conv2;
};
TORCH_MODULE(DenseLayer);

// torchvision's _DenseBlock: children denselayer1..N, each fed the concatenation of the block input and every
// earlier layer's output; returns the concatenation of all of them.
class DenseBlockImpl : public torch::nn::Module, public MergingModule {
public:
    DenseBlockImpl(int64_t numLayers, int64_t inChannels, int64_t growthRate, int64_t bnSize)
    {
        for (int64_t i = 0; i < numLayers; ++i)
            mLayers.push_back(register_module("denselayer" + std::to_string(i + 1),
                                              DenseLayer(inChannels + i * growthRate, growthRate, bnSize)));
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        std::vector<torch::Tensor> features{x};
        features.reserve(mLayers.size() + 1);
        for (DenseLayer& layer : mLayers)
            features.push_back(layer(torch::cat(features, 1)));
        return torch::cat(features, 1);
    }

    BlockMerge merge() const override
    {
        BlockMerge result(MergeKind::Concat);
        for (const auto& child : named_children())
            result.units.push_back(child.key());
        return result;
    }

private:
    std::vector<DenseLayer> mLayers;
};
TORCH_MODULE(DenseBlock);

const std::vector<DenseNetVariant>& variants()
{
    // id, growth rate, block config, init features, bn size
    static const std::vector<DenseNetVariant> table = {
        {"densenet121", 32, {6, 12, 24, 16}, 64, 4},
    };
    return table;
}

// torchvision's DenseNet initialisation ("official init from torch repo").
void initialise(torch::nn::Module& root)
{
    torch::NoGradGuard noGrad;
    for (const auto& module : root.modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>())
            torch::nn::init::kaiming_normal_(conv->weight);
        else if (auto* linear = module->as<torch::nn::Linear>())
            linear->bias.zero_();
    }
}

}  // namespace

DenseNetImpl::DenseNetImpl(const DenseNetVariant& variant, int64_t numClasses)
    : NetworkImpl(variant.architecture, numClasses)
{
    features = register_module("features", torch::nn::ModuleDict());
    // Registers `module` as features.<name> and appends it to the chain.
    auto addFeature = [this](const std::string& name, auto module) {
        features->update({{name, module.ptr()}});
        addModuleBlock("features." + name, module);
    };

    const int64_t init = variant.numInitFeatures;
    addFeature("conv0", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, init, 7).stride(2).padding(3).bias(false)));
    addFeature("norm0", torch::nn::BatchNorm2d(init));
    addFeature("relu0", torch::nn::ReLU());
    addFeature("pool0", torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));

    int64_t channels = init;
    const size_t numBlocks = variant.blockConfig.size();
    for (size_t i = 0; i < numBlocks; ++i) {
        const int64_t layers = variant.blockConfig[i];
        addFeature("denseblock" + std::to_string(i + 1),
                   DenseBlock(layers, channels, variant.growthRate, variant.bnSize));
        channels += layers * variant.growthRate;
        if (i + 1 < numBlocks) {
            // torchvision's _Transition: norm, relu, conv 1x1 halving the channels, 2x2 average pool.
            torch::nn::Sequential transition;
            transition->push_back("norm", torch::nn::BatchNorm2d(channels));
            transition->push_back("relu", torch::nn::ReLU());
            transition->push_back("conv",
                                  torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels / 2, 1).bias(false)));
            transition->push_back("pool", torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2)));
            addFeature("transition" + std::to_string(i + 1), transition);
            channels /= 2;
        }
    }
    addFeature("norm5", torch::nn::BatchNorm2d(channels));

    addBlock("relu", [](const torch::Tensor& x) { return torch::relu(x); });
    addGlobalAveragePool("pool", [](const torch::Tensor& x) {
        return torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
    });

    classifier = register_module("classifier", torch::nn::Linear(channels, numClasses));
    addModuleBlock("classifier", classifier);

    if (initialisationEnabled())
        initialise(*this);
}

std::shared_ptr<NetworkImpl> createDenseNet(const std::string& architecture, int64_t numClasses)
{
    for (const DenseNetVariant& variant : variants())
        if (variant.architecture == architecture)
            return std::make_shared<DenseNetImpl>(variant, numClasses);
    return nullptr;
}

}  // namespace convlens
