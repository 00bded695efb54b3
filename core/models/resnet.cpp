#include "core/models/resnet.h"

#include <array>

namespace convlens {

namespace {

namespace nn = torch::nn;

enum class BlockKind { Basic, Bottleneck };

struct ResNetConfig {
    const char* id;
    BlockKind kind;
    std::array<int, 4> layers;  // blocks per stage layer1..layer4
};

// id, block, blocks per stage
const ResNetConfig kConfigs[] = {
    {"resnet18", BlockKind::Basic, {2, 2, 2, 2}},
    {"resnet50", BlockKind::Bottleneck, {3, 4, 6, 3}},
};

const ResNetConfig* findConfig(const std::string& id)
{
    for (const ResNetConfig& config : kConfigs)
        if (id == config.id)
            return &config;
    return nullptr;
}

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

// Both blocks add the downsampled input when there is a downsample, else the input itself (forward() below).
BlockMerge residualMerge(const nn::Sequential& downsample)
{
    BlockMerge merge(MergeKind::Add);
    if (downsample)
        merge.shortcut = {"downsample"};
    return merge;
}

// torchvision's BasicBlock (expansion 1).
class BasicBlockImpl : public nn::Module, public MergingModule {
public:
    BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, nn::Sequential downsample)
    {
        conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
        bn1 = register_module("bn1", nn::BatchNorm2d(planes));
        relu = register_module("relu", nn::ReLU());
        conv2 = register_module("conv2", conv3x3(planes, planes, 1));
        bn2 = register_module("bn2", nn::BatchNorm2d(planes));
        if (downsample)
            this->downsample = register_module("downsample", downsample);
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor out = relu(bn1(conv1(x)));
        out = bn2(conv2(out));
        torch::Tensor identity = downsample ? downsample->forward(x) : x;
        return relu(out + identity);
    }

    BlockMerge merge() const override { return residualMerge(downsample); }

    nn::Conv2d conv1{nullptr}, conv2{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    nn::ReLU relu{nullptr};
    nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

// torchvision's Bottleneck (expansion 4, stride on the 3x3 conv as in ResNet v1.5).
class BottleneckImpl : public nn::Module, public MergingModule {
public:
    BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, nn::Sequential downsample)
    {
        const int64_t width = planes;  // groups 1, base width 64
        conv1 = register_module("conv1", conv1x1(inplanes, width));
        bn1 = register_module("bn1", nn::BatchNorm2d(width));
        conv2 = register_module("conv2", conv3x3(width, width, stride));
        bn2 = register_module("bn2", nn::BatchNorm2d(width));
        conv3 = register_module("conv3", conv1x1(width, planes * 4));
        bn3 = register_module("bn3", nn::BatchNorm2d(planes * 4));
        relu = register_module("relu", nn::ReLU());
        if (downsample)
            this->downsample = register_module("downsample", downsample);
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor out = relu(bn1(conv1(x)));
        out = relu(bn2(conv2(out)));
        out = bn3(conv3(out));
        torch::Tensor identity = downsample ? downsample->forward(x) : x;
        return relu(out + identity);
    }

    BlockMerge merge() const override { return residualMerge(downsample); }

    nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    nn::ReLU relu{nullptr};
    nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

}  // namespace

ResNetImpl::ResNetImpl(const std::string& architecture, int64_t numClasses) : NetworkImpl(architecture, numClasses)
{
    const ResNetConfig* config = findConfig(architecture);
    TORCH_CHECK(config, "not a ResNet variant: '", architecture, "'");
    const int64_t expansion = config->kind == BlockKind::Basic ? 1 : 4;

    auto conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    auto bn1 = register_module("bn1", nn::BatchNorm2d(64));
    auto relu = register_module("relu", nn::ReLU());
    auto maxpool = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    addModuleBlock("conv1", conv1);
    addModuleBlock("bn1", bn1);
    addModuleBlock("relu", relu);
    addModuleBlock("maxpool", maxpool);

    int64_t inplanes = 64;
    // planes, stride of the first block
    const std::array<std::pair<int64_t, int64_t>, 4> stages = {{{64, 1}, {128, 2}, {256, 2}, {512, 2}}};
    for (size_t s = 0; s < stages.size(); ++s) {
        const auto [planes, stride] = stages[s];
        const std::string layerName = "layer" + std::to_string(s + 1);
        auto layer = register_module(layerName, nn::Sequential());
        for (int i = 0; i < config->layers[s]; ++i) {
            const int64_t blockStride = i == 0 ? stride : 1;
            nn::Sequential downsample{nullptr};
            if (i == 0 && (stride != 1 || inplanes != planes * expansion))
                downsample =
                    nn::Sequential(conv1x1(inplanes, planes * expansion, stride), nn::BatchNorm2d(planes * expansion));
            const std::string blockName = layerName + "." + std::to_string(i);
            if (config->kind == BlockKind::Basic) {
                BasicBlock block(inplanes, planes, blockStride, downsample);
                layer->push_back(block);
                addModuleBlock(blockName, block);
            } else {
                Bottleneck block(inplanes, planes, blockStride, downsample);
                layer->push_back(block);
                addModuleBlock(blockName, block);
            }
            inplanes = planes * expansion;
        }
    }

    auto avgpool = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
    auto fc = register_module("fc", nn::Linear(512 * expansion, numClasses));
    addGlobalAveragePool("avgpool",
                         [avgpool](const torch::Tensor& x) mutable { return torch::flatten(avgpool->forward(x), 1); });
    addModuleBlock("fc", fc);

    if (!initialisationEnabled())
        return;
    // torchvision's initialisation (zero_init_residual=false); Linear keeps PyTorch's default, as in torchvision.
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* conv = module->as<nn::Conv2d>()) {
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
            nn::init::ones_(bn->weight);
            nn::init::zeros_(bn->bias);
        }
    }
}

std::shared_ptr<NetworkImpl> createResNet(const std::string& architecture, int64_t numClasses)
{
    if (!findConfig(architecture))
        return nullptr;
    return std::make_shared<ResNetImpl>(architecture, numClasses);
}

}  // namespace convlens
