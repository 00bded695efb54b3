#pragma once
// BlockMerge: how a block's module joins the paths inside it, as its forward() does: a residual addition (ResNet's
// blocks, the inverted residuals that use_res_connect, ConvNeXt's CNBlock) or a concatenation (DenseNet's dense
// layers, ShuffleNet's split/concat blocks). The block modules whose forward() is not one chain of their children
// implement MergingModule next to that forward(), from the same members, so the fact is written once; the network
// description (core/inspect/networkdescription.h) reads it for the diagram. Torch-free; plain data.

#include <string>
#include <vector>

namespace convlens {

enum class MergeKind { None, Add, Concat };

struct BlockMerge {
    BlockMerge() = default;
    explicit BlockMerge(MergeKind mergeKind) : kind(mergeKind) {}

    MergeKind kind = MergeKind::None;
    // Child module paths, relative to the block, of the path beside the main one (ResNet's "downsample",
    // ShuffleNet's "branch1"); empty: the block's input itself (identity).
    std::vector<std::string> shortcut;
    // Children that each merge so, in order (DenseNet's "denselayer1", ...: each one's output concatenated to its
    // input); empty: the block merges once, at its end.
    std::vector<std::string> units;
    // ShuffleNet, stride 1: the input's first half is the shortcut, its second half the main path's input.
    bool splitInput = false;
    bool channelShuffle = false;  // ShuffleNet: the concatenation's channels are shuffled
};

class MergingModule {
public:
    virtual ~MergingModule() = default;
    virtual BlockMerge merge() const = 0;
};

}  // namespace convlens
