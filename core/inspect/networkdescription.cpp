#include "core/inspect/networkdescription.h"

#include "core/common/threads.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>

namespace convlens {

namespace {

// "convlens::(anonymous namespace)::BottleneckImpl" → "Bottleneck", "torch::nn::Conv2dImpl" → "Conv2d".
std::string shortTypeName(const std::string& demangled)
{
    std::string name = demangled;
    const size_t angle = name.find('<');
    if (angle != std::string::npos)
        name.resize(angle);
    const size_t colons = name.rfind("::");
    if (colons != std::string::npos)
        name = name.substr(colons + 2);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
        name.resize(name.size() - 4);
    return name;
}

std::string lastComponent(const std::string& blockName)
{
    const size_t dot = blockName.rfind('.');
    return dot == std::string::npos ? blockName : blockName.substr(dot + 1);
}

// The name torchvision gives a block's module, for display. The ConvLens networks build a few of torchvision's
// classes from generic pieces (a Sequential) or under a shorter C++ name; the diagram shows torchvision's name,
// without the leading underscore of its private classes.
std::string displayType(const std::string& architecture, const std::string& blockName, const std::string& cppType)
{
    if (cppType == "ConvNormActivation")
        return "Conv2dNormActivation";
    if (cppType == "Sequential") {
        // torchvision's _Transition is a Sequential subclass: norm, relu, 1x1 conv, 2x2 average pool.
        if (architecture.rfind("densenet", 0) == 0 && lastComponent(blockName).rfind("transition", 0) == 0)
            return "Transition";
        // ConvNeXt's stem is torchvision's Conv2dNormActivation (conv 4x4 stride 4, LayerNorm2d).
        if (architecture.rfind("convnext", 0) == 0 && blockName == "features.0")
            return "Conv2dNormActivation";
    }
    return cppType;
}

// Blocks without a module are functional steps of torchvision's forward() (see core/models/network.h).
std::string functionalType(const std::string& blockName)
{
    if (blockName == "relu")
        return "ReLU";
    if (blockName == "pool" || blockName == "avgpool")
        return "GlobalAvgPool";
    return "Function";
}

std::vector<int64_t> shapeOf(const torch::Tensor& t)
{
    return t.defined() ? t.sizes().vec() : std::vector<int64_t>{};
}

std::string sizeText(int64_t a, int64_t b)
{
    return a == b ? std::to_string(a) + "×" + std::to_string(a) : std::to_string(a) + "×" + std::to_string(b);
}

// Spatial size after a window of `kernel` with `stride`, `padding` and `dilation` (floor, or ceil as PyTorch's
// pools compute it with ceil_mode).
int64_t windowOutput(int64_t in, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool ceil)
{
    const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
    int64_t out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil && (out - 1) * stride >= in + padding)
        --out;  // PyTorch: the last window must start inside the input or its left padding
    return std::max<int64_t>(out, 0);
}

struct Spatial {
    int64_t h = 0;
    int64_t w = 0;
};

// The layers of `block` (its module's leaves, in registration order) with their options, shapes and
// multiply-adds. The resolution each layer sees is followed through the block: it starts at the block's input,
// every convolution and pool changes it, a parallel branch (a new top-level container: ResNet's downsample,
// ShuffleNet's branch2) starts again from the block's input, and a squeeze-excitation's 1×1 convolutions see the
// pooled 1×1 map without changing what follows. Checked against torchvision's forward hooks per block
// (tests/inspect/make_network_description.py).
std::vector<LayerDescription> describeLayers(const std::string& blockName, torch::nn::Module& block,
                                             const std::vector<int64_t>& inputShape, int64_t& macs)
{
    std::map<std::string, std::shared_ptr<torch::nn::Module>> all;
    std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> leaves;
    for (const auto& item : block.named_modules("", /*include_self=*/true)) {
        all.emplace(item.key(), item.value());
        // Leaves, and containers holding parameters of their own (ConvNeXt's layer_scale on its CNBlock).
        if (item.value()->children().empty() || !item.value()->named_parameters(/*recurse=*/false).is_empty())
            leaves.emplace_back(item.key(), item.value());
    }
    const bool flat = inputShape.size() == 1;
    const Spatial input = inputShape.size() == 3 ? Spatial{inputShape[1], inputShape[2]} : Spatial{1, 1};
    Spatial current = input;
    int64_t channels = inputShape.empty() ? 0 : inputShape[0];
    std::string branch;
    std::vector<LayerDescription> layers;
    for (const auto& [path, module] : leaves) {
        const size_t dot = path.find('.');
        if (dot != std::string::npos && path.substr(0, dot) != branch)
            current = input;
        if (dot != std::string::npos)
            branch = path.substr(0, dot);
        const size_t lastDot = path.rfind('.');
        const auto parent = all.find(lastDot == std::string::npos ? std::string() : path.substr(0, lastDot));
        const bool squeeze =
            !path.empty() && parent != all.end() && shortTypeName(parent->second->name()) == "SqueezeExcitation";

        LayerDescription layer;
        layer.name = path.empty() ? blockName : blockName + "." + path;
        layer.type = shortTypeName(module->name());
        if (!path.empty() && parent != all.end() && !parent->first.empty()) {
            const std::string container = shortTypeName(parent->second->name());
            if (container != "Sequential")
                layer.container = container == "ConvNormActivation" ? "Conv2dNormActivation" : container;
        }
        for (const auto& parameter : module->named_parameters(/*recurse=*/false)) {
            layer.parameters += parameter.value().numel();
            if (parameter.key() == "weight")
                layer.weightShape = shapeOf(parameter.value());
            else if (parameter.key() == "bias")
                layer.biasShape = shapeOf(parameter.value());
        }
        std::vector<std::string> details;
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            const auto& o = conv->options;
            const auto* pad = c10::get_if<torch::ExpandingArray<2>>(&o.padding());  // not kValid or kSame
            const int64_t kh = (*o.kernel_size())[0], kw = (*o.kernel_size())[1];
            const int64_t sh = (*o.stride())[0], sw = (*o.stride())[1];
            const int64_t ph = pad ? (**pad)[0] : 0, pw = pad ? (**pad)[1] : 0;
            const int64_t dh = (*o.dilation())[0], dw = (*o.dilation())[1];
            details.push_back(sizeText(kh, kw));
            if (sh != 1 || sw != 1)
                details.push_back("stride " + (sh == sw ? std::to_string(sh) : sizeText(sh, sw)));
            if (ph != 0 || pw != 0)
                details.push_back("padding " + (ph == pw ? std::to_string(ph) : sizeText(ph, pw)));
            if (dh != 1 || dw != 1)
                details.push_back("dilation " + (dh == dw ? std::to_string(dh) : sizeText(dh, dw)));
            if (o.groups() != 1)
                details.push_back(o.groups() == o.in_channels() ? "depthwise" : "groups " + std::to_string(o.groups()));
            if (!o.bias())
                details.push_back("no bias");
            const Spatial in = squeeze ? Spatial{1, 1} : current;
            const Spatial out{windowOutput(in.h, kh, sh, ph, dh, false), windowOutput(in.w, kw, sw, pw, dw, false)};
            layer.outputShape = {o.out_channels(), out.h, out.w};
            layer.macs = out.h * out.w * o.out_channels() * (o.in_channels() / o.groups()) * kh * kw;
            if (!squeeze) {
                current = out;
                channels = o.out_channels();
            }
        } else if (auto* linear = module->as<torch::nn::Linear>()) {
            const auto& o = linear->options;
            // Inside a block (ConvNeXt) a linear layer runs at every position; in the classifier, once.
            const int64_t positions = flat ? 1 : current.h * current.w;
            layer.outputShape = flat ? std::vector<int64_t>{o.out_features()}
                                     : std::vector<int64_t>{o.out_features(), current.h, current.w};
            layer.macs = positions * o.in_features() * o.out_features();
            details.push_back(std::to_string(o.in_features()) + " → " + std::to_string(o.out_features()));
            channels = o.out_features();
        } else if (auto* maxPool = module->as<torch::nn::MaxPool2d>()) {
            const auto& o = maxPool->options;
            const int64_t k = (*o.kernel_size())[0], st = (*o.stride())[0], p = (*o.padding())[0];
            current = {windowOutput(current.h, k, st, p, (*o.dilation())[0], o.ceil_mode()),
                       windowOutput(current.w, (*o.kernel_size())[1], (*o.stride())[1], (*o.padding())[1],
                                    (*o.dilation())[1], o.ceil_mode())};
            details.push_back(sizeText(k, (*o.kernel_size())[1]) + ", stride " + std::to_string(st) +
                              (p ? ", padding " + std::to_string(p) : std::string()));
            layer.outputShape = {channels, current.h, current.w};
        } else if (auto* avgPool = module->as<torch::nn::AvgPool2d>()) {
            const auto& o = avgPool->options;
            const int64_t k = (*o.kernel_size())[0], st = (*o.stride())[0], p = (*o.padding())[0];
            current = {
                windowOutput(current.h, k, st, p, 1, o.ceil_mode()),
                windowOutput(current.w, (*o.kernel_size())[1], (*o.stride())[1], (*o.padding())[1], 1, o.ceil_mode())};
            details.push_back(sizeText(k, (*o.kernel_size())[1]) + ", stride " + std::to_string(st));
            layer.outputShape = {channels, current.h, current.w};
        } else if (module->as<torch::nn::AdaptiveAvgPool2d>()) {
            if (!squeeze)
                current = {1, 1};
            layer.outputShape = {channels, squeeze ? 1 : current.h, squeeze ? 1 : current.w};
        } else if (auto* norm = module->as<torch::nn::BatchNorm2d>()) {
            details.push_back(std::to_string(norm->options.num_features()) + " channels");
        }
        for (size_t i = 0; i < details.size(); ++i)
            layer.details += (i ? ", " : "") + details[i];
        macs += layer.macs;
        layers.push_back(std::move(layer));
    }
    return layers;
}

// The merge of a block's module (core/models/blockmerge.h), with its relative module paths made layer names.
void describeMerge(const std::string& blockName, const torch::nn::Module& module, BlockDescription& block)
{
    const auto* merging = dynamic_cast<const MergingModule*>(&module);
    if (!merging)
        return;
    const BlockMerge merge = merging->merge();
    block.merge = merge.kind;
    block.splitInput = merge.splitInput;
    block.channelShuffle = merge.channelShuffle;
    for (const LayerDescription& layer : block.layers)
        for (const std::string& path : merge.shortcut) {
            const std::string prefix = blockName + "." + path;
            if (layer.name == prefix || layer.name.rfind(prefix + ".", 0) == 0)
                block.shortcutLayers.push_back(layer.name);
        }
    for (const std::string& unit : merge.units)
        block.mergeUnits.push_back(blockName + "." + unit);
}

}  // namespace

const char* mergeKindName(MergeKind kind)
{
    switch (kind) {
        case MergeKind::Add:
            return "add";
        case MergeKind::Concat:
            return "concat";
        case MergeKind::None:
            break;
    }
    return "none";
}

int64_t NetworkDescription::stageSum(int stageIndex, int64_t BlockDescription::*field) const
{
    if (stageIndex < 0 || stageIndex >= static_cast<int>(stages.size()))
        return 0;
    const StageDescription& stage = stages[static_cast<size_t>(stageIndex)];
    int64_t sum = 0;
    for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i)
        sum += blocks[static_cast<size_t>(i)].*field;
    return sum;
}

int NetworkDescription::indexOf(const std::string& name) const
{
    for (size_t i = 0; i < blocks.size(); ++i)
        if (blocks[i].name == name)
            return static_cast<int>(i);
    for (const StageDescription& stage : stages)
        if (stage.name == name && stage.blockCount > 0)
            return stage.firstBlock + stage.blockCount - 1;
    return -1;
}

Expected<NetworkDescription> describeNetwork(const ModelSpec& spec, const std::vector<CategorySpec>& categories)
{
    // Also checks that the registry's stages list the network's blocks, so the description's stages are its own.
    auto created = createNetwork(spec, Initialisation::Skip);
    if (!created)
        return created.error();
    const std::shared_ptr<NetworkImpl>& net = *created;
    const std::vector<std::string> names = net->blockNames();
    if (spec.preprocess.cropSize < 1)
        return makeError(ErrorKind::BadInput,
                         spec.id + ": the crop size " + std::to_string(spec.preprocess.cropSize) + " is not positive");

    NetworkDescription description;
    description.modelId = spec.id;
    description.displayName = spec.displayName;
    description.inputShape = {3, spec.preprocess.cropSize, spec.preprocess.cropSize};

    std::map<std::string, torch::Tensor> outputs;
    try {
        applyInferenceThreads();
        torch::NoGradGuard noGrad;
        const torch::Tensor input = torch::zeros({1, 3, spec.preprocess.cropSize, spec.preprocess.cropSize});
        net->forwardRecording(input, names, outputs);
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Internal,
                         spec.id + ": the forward pass at " + std::to_string(spec.preprocess.cropSize) + "x" +
                             std::to_string(spec.preprocess.cropSize) + " failed: " + e.what_without_backtrace());
    }

    std::map<std::string, std::shared_ptr<torch::nn::Module>> modules;
    for (const auto& item : net->named_modules(/*name_prefix=*/"", /*include_self=*/false))
        modules.emplace(item.key(), item.value());

    std::map<std::string, std::string> colors;
    for (const CategorySpec& category : categories)
        colors.emplace(category.name, category.color);

    std::set<std::string> taps;
    for (const std::string& tap : spec.taps)
        taps.insert(spec.resolveBlock(tap));
    const std::string camTarget = spec.resolveBlock(spec.camTarget);

    std::vector<int64_t> blockInput = description.inputShape;  // what the next block receives
    for (const StageSpec& stageSpec : spec.stages) {
        StageDescription stage;
        stage.name = stageSpec.name;
        stage.category = stageSpec.category;
        const auto color = colors.find(stageSpec.category);
        stage.color = color != colors.end() ? color->second : std::string("#808080");
        stage.firstBlock = static_cast<int>(description.blocks.size());
        stage.blockCount = static_cast<int>(stageSpec.blocks.size());
        for (const std::string& name : stageSpec.blocks) {
            BlockDescription block;
            block.name = name;
            block.stage = stageSpec.name;
            block.category = stageSpec.category;
            if (const auto module = modules.find(name); module != modules.end()) {
                block.type = displayType(spec.architecture, name, shortTypeName(module->second->name()));
                for (const torch::Tensor& parameter : module->second->parameters(/*recurse=*/true))
                    block.parameters += parameter.numel();
                block.layers = describeLayers(name, *module->second, blockInput, block.macs);
                describeMerge(name, *module->second, block);
            } else {
                block.type = functionalType(name);
            }
            const auto output = outputs.find(name);
            if (output == outputs.end())
                return makeError(ErrorKind::Internal,
                                 spec.id + ": the forward pass recorded no output for block '" + name + "'");
            const auto sizes = output->second.sizes();
            block.outputShape.assign(sizes.begin() + std::min<size_t>(1, sizes.size()), sizes.end());
            block.isTap = taps.count(name) > 0;
            block.isCamTarget = name == camTarget;
            blockInput = block.outputShape;
            description.macs += block.macs;
            description.blocks.push_back(std::move(block));
        }
        description.stages.push_back(std::move(stage));
    }

    for (const torch::Tensor& parameter : net->parameters(/*recurse=*/true))
        description.parameters += parameter.numel();
    return description;
}

}  // namespace convlens
