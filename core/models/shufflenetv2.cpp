#include "core/models/shufflenetv2.h"

#include <array>

namespace convlens {

namespace {

namespace nn = torch::nn;

struct ShuffleNetV2Config {
    const char* id;
    std::array<int64_t, 3> stagesRepeats;      // stage2, stage3, stage4
    std::array<int64_t, 5> stagesOutChannels;  // conv1, stage2, stage3, stage4, conv5
};

// id, repeats, output channels
const ShuffleNetV2Config kConfigs[] = {
    {"shufflenet_v2_x1_0", {4, 8, 4}, {24, 116, 232, 464, 1024}},
};

const ShuffleNetV2Config* findConfig(const std::string& id)
{
    for (const ShuffleNetV2Config& config : kConfigs)
        if (id == config.id)
            return &config;
    return nullptr;
}

torch::Tensor channelShuffle(const torch::Tensor& x, int64_t groups)
{
    const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
    return x.view({batch, groups, channels / groups, height, width})
        .transpose(1, 2)
        .contiguous()
        .view({batch, -1, height, width});
}

nn::Conv2d depthwiseConv(int64_t channels, int64_t stride)
{
    return nn::Conv2d(nn::Conv2dOptions(channels, channels, 3).stride(stride).padding(1).groups(channels).bias(false));
}

nn::Conv2d pointwiseConv(int64_t in, int64_t out)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(false));
}

// torchvision's shufflenetv2.InvertedResidual. With stride 1, branch1 is an empty Sequential (as in torchvision)
// and the input's first half passes through unchanged.
class InvertedResidualImpl : public nn::Module, public MergingModule {
public:
    InvertedResidualImpl(int64_t inp, int64_t oup, int64_t stride) : mStride(stride)
    {
        TORCH_CHECK(stride >= 1 && stride <= 3, "illegal stride value ", stride);
        const int64_t branchFeatures = oup / 2;
        TORCH_CHECK(stride != 1 || inp == branchFeatures * 2, "invalid combination of stride ", stride, ", inp ", inp,
                    " and oup ", oup);
        if (stride > 1)
            branch1 = register_module("branch1", nn::Sequential(depthwiseConv(inp, stride), nn::BatchNorm2d(inp),
                                                                pointwiseConv(inp, branchFeatures),
                                                                nn::BatchNorm2d(branchFeatures), nn::ReLU()));
        else
            branch1 = register_module("branch1", nn::Sequential());
        branch2 = register_module(
            "branch2",
            nn::Sequential(pointwiseConv(stride > 1 ? inp : branchFeatures, branchFeatures),
                           nn::BatchNorm2d(branchFeatures), nn::ReLU(), depthwiseConv(branchFeatures, stride),
                           nn::BatchNorm2d(branchFeatures), pointwiseConv(branchFeatures, branchFeatures),
                           nn::BatchNorm2d(branchFeatures), nn::ReLU()));
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor out;
        if (mStride == 1) {
            std::vector<torch::Tensor> halves = x.chunk(2, 1);
            out = torch::cat({halves[0], branch2->forward(halves[1])}, 1);
        } else {
            out = torch::cat({branch1->forward(x), branch2->forward(x)}, 1);
        }
        return channelShuffle(out, 2);
    }

    BlockMerge merge() const override
    {
        BlockMerge result(MergeKind::Concat);
        result.splitInput = mStride == 1;
        result.channelShuffle = true;
        if (mStride != 1)
            result.shortcut = {"branch1"};
        return result;
    }

    nn::Sequential branch1{nullptr}, branch2{nullptr};

private:
    int64_t mStride;
};
TORCH_MODULE(InvertedResidual);

}  // namespace

ShuffleNetV2Impl::ShuffleNetV2Impl(const std::string& architecture, int64_t numClasses)
    : NetworkImpl(architecture, numClasses)
{
    const ShuffleNetV2Config* config = findConfig(architecture);
    TORCH_CHECK(config, "not a ShuffleNetV2 variant: '", architecture, "'");
    const auto& channels = config->stagesOutChannels;

    auto conv1 = register_module(
        "conv1", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(3, channels[0], 3).stride(2).padding(1).bias(false)),
                                nn::BatchNorm2d(channels[0]), nn::ReLU()));
    auto maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    addModuleBlock("conv1", conv1);
    addModuleBlock("maxpool", maxpool);

    int64_t inputChannels = channels[0];
    for (size_t s = 0; s < config->stagesRepeats.size(); ++s) {
        const std::string stageName = "stage" + std::to_string(s + 2);
        const int64_t outputChannels = channels[s + 1];
        auto stage = register_module(stageName, nn::Sequential());
        for (int64_t i = 0; i < config->stagesRepeats[s]; ++i) {
            InvertedResidual unit = i == 0 ? InvertedResidual(inputChannels, outputChannels, 2)
                                           : InvertedResidual(outputChannels, outputChannels, 1);
            stage->push_back(unit);
            addModuleBlock(stageName + "." + std::to_string(i), unit);
        }
        inputChannels = outputChannels;
    }

    auto conv5 = register_module(
        "conv5", nn::Sequential(pointwiseConv(inputChannels, channels[4]), nn::BatchNorm2d(channels[4]), nn::ReLU()));
    addModuleBlock("conv5", conv5);
    addGlobalAveragePool("pool", [](const torch::Tensor& x) { return x.mean({2, 3}); });
    auto fc = register_module("fc", nn::Linear(channels[4], numClasses));
    addModuleBlock("fc", fc);
}

std::shared_ptr<NetworkImpl> createShuffleNetV2(const std::string& architecture, int64_t numClasses)
{
    if (!findConfig(architecture))
        return nullptr;
    return std::make_shared<ShuffleNetV2Impl>(architecture, numClasses);
}

}  // namespace convlens
