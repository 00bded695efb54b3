#pragma once
// NetworkDescription: the neutral description of a model's network that the UI draws (blocks in forward order,
// grouped in the registry's stages, coloured by the registry's categories, with output shapes at the model's
// crop size). Plain data, no torch types; copy freely, read from any thread.

#include "core/common/expected.h"
#include "core/models/blockmerge.h"
#include "core/registry/modelspec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace convlens {

// One layer inside a block (a module without sub-modules, or a block that is a single module), what Netron shows
// of a node. Output shapes and multiply-adds are those at the model's crop size.
struct LayerDescription {
    std::string name;                  // the state_dict prefix inside the network, e.g. "layer3.1.conv2"
    std::string type;                  // "Conv2d", "BatchNorm2d", "Linear", "ReLU", ...
    std::string details;               // "3×3, stride 2, padding 1, groups 32": what differs from the defaults
    std::string container;             // the type of the module holding it inside the block, when that is not a
                                       // plain Sequential: "SqueezeExcitation", "Conv2dNormActivation"; else ""
    std::vector<int64_t> weightShape;  // empty when the layer has no weight
    std::vector<int64_t> biasShape;
    int64_t parameters = 0;
    std::vector<int64_t> outputShape;  // convolutions, linear layers and pools; empty for the others
    int64_t macs = 0;                  // multiply-adds of convolutions and linear layers; 0 for the others
};

struct BlockDescription {
    std::string name;                      // torchvision block name, e.g. "layer3.1", "features.7"
    std::string type;                      // module type for display, e.g. "Bottleneck", "InvertedResidual", "Linear"
    std::string stage;                     // the stage listing this block
    std::string category;                  // that stage's category
    std::vector<int64_t> outputShape;      // without the batch dimension, e.g. {256, 14, 14} or {1000}
    int64_t parameters = 0;                // parameters of this block
    bool isTap = false;                    // its feature maps are summarised by default
    bool isCamTarget = false;              // the spec's default CAM target
    int64_t macs = 0;                      // multiply-adds of its convolutions and linear layers at the crop size
    std::vector<LayerDescription> layers;  // in registration order; empty for a functional step (relu, pool)

    // How the block joins its paths (core/models/blockmerge.h, from the model's own forward()): a residual
    // addition, a concatenation, or none (one chain of its layers).
    MergeKind merge = MergeKind::None;
    // The names of the layers on the path beside the main one (ResNet's downsample convolution and norm,
    // ShuffleNet's branch1), in order; empty: the input itself (an identity skip).
    std::vector<std::string> shortcutLayers;
    // The sub-modules that each merge so, in order (DenseNet: "features.denseblock1.denselayer1", ...: each dense
    // layer's output concatenated to its input); empty: the block merges once, after its main path.
    std::vector<std::string> mergeUnits;
    bool splitInput = false;      // the input is split in halves: one is the shortcut, one the main path's (ShuffleNet)
    bool channelShuffle = false;  // the concatenation's channels are shuffled (ShuffleNet)
};

// "none", "add", "concat": for tests, JSON and search.
const char* mergeKindName(MergeKind kind);

struct StageDescription {
    std::string name;
    std::string category;
    std::string color;   // "#rrggbb" of the category, "#808080" when the registry has none
    int firstBlock = 0;  // index into NetworkDescription::blocks
    int blockCount = 0;
};

struct NetworkDescription {
    std::string modelId;
    std::string displayName;
    std::vector<int64_t> inputShape;  // {3, crop, crop}
    std::vector<BlockDescription> blocks;
    std::vector<StageDescription> stages;
    int64_t parameters = 0;
    int64_t macs = 0;  // of every block

    // Parameters and multiply-adds of the stage at `stageIndex` (sums over its blocks).
    int64_t stageParameters(int stageIndex) const { return stageSum(stageIndex, &BlockDescription::parameters); }
    int64_t stageMacs(int stageIndex) const { return stageSum(stageIndex, &BlockDescription::macs); }
    // `field` summed over the blocks of the stage at `stageIndex`; 0 for an index out of range.
    int64_t stageSum(int stageIndex, int64_t BlockDescription::*field) const;

    // Index of the block called `name` (or of the last block of the stage called `name`), or -1.
    int indexOf(const std::string& name) const;
};

// Builds `spec`'s network without loading weights and runs one forward on zeros to record every block's output
// shape. Takes up to a second: call from a worker thread. Fails (with the model id and the reason) when the
// network cannot be built or run.
Expected<NetworkDescription> describeNetwork(const ModelSpec& spec, const std::vector<CategorySpec>& categories);

}  // namespace convlens
