#pragma once
// NetworkImpl: the common shape of every ConvLens network. A network is an ordered chain of named blocks;
// running all blocks in order computes exactly what torchvision's forward() computes. Block names are
// torchvision's state_dict prefixes of the module a block runs ("layer3.1", "features.7.0"), or a short name
// for a functional step that has no module ("pool", "relu").
//
// Threads: a network may be used by one thread at a time. Inference callers hold a torch::NoGradGuard unless
// they need gradients (the inspection engine's head-only backward).
// Errors: shape problems inside a block raise c10::Error (TORCH_CHECK); the core API boundary turns them into
// Expected errors.

#include "core/models/blockmerge.h"

#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace convlens {

// Whether network constructors on this thread run torchvision's weight initialisation (default: yes). A network
// built only to read its structure, or to have every weight overwritten from a checkpoint, skips it: ConvNeXt's
// truncated-normal initialisation alone takes over a second.
bool initialisationEnabled();

// While alive, network constructors on this thread leave PyTorch's cheap default parameter values in place.
class SkipInitialisation {
public:
    SkipInitialisation();
    ~SkipInitialisation();
    SkipInitialisation(const SkipInitialisation&) = delete;
    SkipInitialisation& operator=(const SkipInitialisation&) = delete;

private:
    bool mPrevious;
};

struct Block {
    std::string name;
    std::function<torch::Tensor(const torch::Tensor&)> run;
    // The block averages each channel over all positions: [N,C,H,W] → [N,C] (or [N,C,1,1]). A gradient at its
    // input is then its output's gradient divided by H·W at every position, so a backward pass of the head can
    // start after it (classGradients).
    bool globalAveragePool = false;
};

class NetworkImpl : public torch::nn::Module {
public:
    // Runs every block: normalised images [N,3,H,W] → logits [N,numClasses].
    torch::Tensor forward(const torch::Tensor& input);

    // The same, checking `cancel` (may be null) before each block: an undefined tensor when it was set, so a
    // long pass (a Score-CAM batch) stops within one block.
    torch::Tensor forward(const torch::Tensor& input, const std::atomic<bool>* cancel);

    // Runs every block and stores into `outputs` the output of each block named in `taps`.
    torch::Tensor forwardRecording(const torch::Tensor& input, const std::vector<std::string>& taps,
                                   std::map<std::string, torch::Tensor>& outputs);

    // Runs blocks 0..lastBlock and returns the output of block `lastBlock`.
    torch::Tensor forwardTo(int lastBlock, const torch::Tensor& input);

    // Runs the blocks after `blockIndex` on `activation`, the output of block `blockIndex`, to the logits.
    torch::Tensor forwardFrom(int blockIndex, const torch::Tensor& activation);

    const std::vector<Block>& blocks() const { return mBlocks; }
    std::vector<std::string> blockNames() const;
    // Index of the block with this name, or -1.
    int blockIndex(const std::string& name) const;

    const std::string& architecture() const { return mArchitecture; }
    int64_t numClasses() const { return mNumClasses; }

protected:
    NetworkImpl(std::string architecture, int64_t numClasses);

    // Appends a step to the chain. Families call this in their constructor, in forward order.
    void addBlock(std::string name, std::function<torch::Tensor(const torch::Tensor&)> run);
    // Appends the global average pool before the classifier (Block::globalAveragePool). `run` must compute each
    // channel's mean over all positions, as its family's torchvision forward does.
    void addGlobalAveragePool(std::string name, std::function<torch::Tensor(const torch::Tensor&)> run);

    // Appends a registered submodule (held by `module`, a ModuleHolder or shared_ptr with forward(Tensor)).
    template <typename ModuleHolderT>
    void addModuleBlock(std::string name, ModuleHolderT module)
    {
        addBlock(std::move(name), [module](const torch::Tensor& x) mutable { return module->forward(x); });
    }

private:
    std::string mArchitecture;
    int64_t mNumClasses;
    std::vector<Block> mBlocks;
};

}  // namespace convlens
