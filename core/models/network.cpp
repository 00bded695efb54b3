#include "core/models/network.h"

#include <algorithm>

namespace convlens {

namespace {
thread_local bool tInitialisationEnabled = true;
}

bool initialisationEnabled()
{
    return tInitialisationEnabled;
}

SkipInitialisation::SkipInitialisation() : mPrevious(tInitialisationEnabled)
{
    tInitialisationEnabled = false;
}

SkipInitialisation::~SkipInitialisation()
{
    tInitialisationEnabled = mPrevious;
}

NetworkImpl::NetworkImpl(std::string architecture, int64_t numClasses)
    : mArchitecture(std::move(architecture)), mNumClasses(numClasses)
{
}

void NetworkImpl::addBlock(std::string name, std::function<torch::Tensor(const torch::Tensor&)> run)
{
    TORCH_CHECK(blockIndex(name) < 0, "duplicate block name '", name, "'");
    mBlocks.push_back(Block{std::move(name), std::move(run)});
}

void NetworkImpl::addGlobalAveragePool(std::string name, std::function<torch::Tensor(const torch::Tensor&)> run)
{
    addBlock(std::move(name), std::move(run));
    mBlocks.back().globalAveragePool = true;
}

torch::Tensor NetworkImpl::forward(const torch::Tensor& input)
{
    torch::Tensor x = input;
    for (const Block& block : mBlocks)
        x = block.run(x);
    return x;
}

torch::Tensor NetworkImpl::forward(const torch::Tensor& input, const std::atomic<bool>* cancel)
{
    torch::Tensor x = input;
    for (const Block& block : mBlocks) {
        if (cancel && cancel->load())
            return {};
        x = block.run(x);
    }
    return x;
}

torch::Tensor NetworkImpl::forwardRecording(const torch::Tensor& input, const std::vector<std::string>& taps,
                                            std::map<std::string, torch::Tensor>& outputs)
{
    torch::Tensor x = input;
    for (const Block& block : mBlocks) {
        x = block.run(x);
        if (std::find(taps.begin(), taps.end(), block.name) != taps.end())
            outputs[block.name] = x;
    }
    return x;
}

torch::Tensor NetworkImpl::forwardTo(int lastBlock, const torch::Tensor& input)
{
    TORCH_CHECK(lastBlock >= 0 && lastBlock < static_cast<int>(mBlocks.size()), "block index ", lastBlock,
                " out of range");
    torch::Tensor x = input;
    for (int i = 0; i <= lastBlock; ++i)
        x = mBlocks[i].run(x);
    return x;
}

torch::Tensor NetworkImpl::forwardFrom(int blockIndex, const torch::Tensor& activation)
{
    TORCH_CHECK(blockIndex >= -1 && blockIndex < static_cast<int>(mBlocks.size()), "block index ", blockIndex,
                " out of range");
    torch::Tensor x = activation;
    for (size_t i = static_cast<size_t>(blockIndex + 1); i < mBlocks.size(); ++i)
        x = mBlocks[i].run(x);
    return x;
}

std::vector<std::string> NetworkImpl::blockNames() const
{
    std::vector<std::string> names;
    names.reserve(mBlocks.size());
    for (const Block& block : mBlocks)
        names.push_back(block.name);
    return names;
}

int NetworkImpl::blockIndex(const std::string& name) const
{
    for (size_t i = 0; i < mBlocks.size(); ++i)
        if (mBlocks[i].name == name)
            return static_cast<int>(i);
    return -1;
}

}  // namespace convlens
