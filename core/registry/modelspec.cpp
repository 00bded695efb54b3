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

}  // namespace convlens
