#include "core/registry/modelspec.h"

#include <algorithm>

namespace convlens {

namespace {

const StageSpec* stageListing(const std::vector<StageSpec>& stages, const std::string& block)
{
    for (const StageSpec& stage : stages) {
        if (std::find(stage.blocks.begin(), stage.blocks.end(), block) != stage.blocks.end())
            return &stage;
    }
    return nullptr;
}

}  // namespace

std::string ModelSpec::stageOfBlock(const std::string& block) const
{
    const StageSpec* stage = stageListing(stages, block);
    return stage ? stage->name : std::string();
}

std::string ModelSpec::categoryOfBlock(const std::string& block) const
{
    const StageSpec* stage = stageListing(stages, block);
    return stage ? stage->category : std::string();
}

std::vector<std::string> ModelSpec::blocks() const
{
    std::vector<std::string> all;
    for (const StageSpec& stage : stages)
        all.insert(all.end(), stage.blocks.begin(), stage.blocks.end());
    return all;
}

const StageSpec* ModelSpec::findStage(const std::string& name) const
{
    for (const StageSpec& stage : stages) {
        if (stage.name == name)
            return &stage;
    }
    return nullptr;
}

std::string ModelSpec::resolveBlock(const std::string& name) const
{
    if (stageListing(stages, name))
        return name;
    if (const StageSpec* stage = findStage(name); stage && !stage->blocks.empty())
        return stage->blocks.back();
    return {};
}

const std::vector<std::string>& architectureIds()
{
    static const std::vector<std::string> ids = {
        "resnet18",           "resnet50",        "mobilenet_v2",       "mobilenet_v3_small",
        "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b2",    "efficientnet_b3",
        "densenet121",        "convnext_tiny",   "shufflenet_v2_x1_0",
    };
    return ids;
}

}  // namespace convlens
