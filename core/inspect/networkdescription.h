#pragma once
// NetworkDescription: the neutral description of a model's network that the UI draws (blocks in forward order,
// grouped in the registry's stages, coloured by the registry's categories, with output shapes at the model's
// crop size). Plain data, no torch types; copy freely, read from any thread.

#include "core/common/expected.h"
#include "core/registry/modelspec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convlens {

struct BlockDescription {
    std::string name;                  // torchvision block name, e.g. "layer3.1", "features.7"
    std::string type;                  // module type for display, e.g. "Bottleneck", "InvertedResidual", "Linear"
    std::string stage;                 // the stage listing this block
    std::string category;              // that stage's category
    std::vector<int64_t> outputShape;  // without the batch dimension, e.g. {256, 14, 14} or {1000}
    int64_t parameters = 0;            // parameters of this block
    bool isTap = false;                // its feature maps are summarised by default
    bool isCamTarget = false;          // the spec's default CAM target
};

struct StageDescription {
    std::string name;
    std::string category;
    std::string color;         // "#rrggbb" of the category, "#808080" when the registry has none
    int firstBlock = 0;        // index into NetworkDescription::blocks
    int blockCount = 0;
};

struct NetworkDescription {
    std::string modelId;
    std::string displayName;
    std::vector<int64_t> inputShape;  // {3, crop, crop}
    std::vector<BlockDescription> blocks;
    std::vector<StageDescription> stages;
    int64_t parameters = 0;

    // Index of the block called `name` (or of the last block of the stage called `name`), or -1.
    int indexOf(const std::string& name) const;
};

// Builds `spec`'s network without loading weights and runs one forward on zeros to record every block's output
// shape. Takes up to a second: call from a worker thread. Fails (with the model id and the reason) when the
// network cannot be built or run.
Expected<NetworkDescription> describeNetwork(const ModelSpec& spec, const std::vector<CategorySpec>& categories);

}  // namespace convlens
