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

}  // namespace

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
            description.blocks.push_back(std::move(block));
        }
        description.stages.push_back(std::move(stage));
    }

    for (const torch::Tensor& parameter : net->parameters(/*recurse=*/true))
        description.parameters += parameter.numel();
    return description;
}

}  // namespace convlens
