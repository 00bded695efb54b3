#include "core/inspect/classgradients.h"

#include "core/models/network.h"

namespace convlens {

namespace {

// The Linear layer that computes the logits, and what the last block runs before it: every ConvLens network ends
// in one, as its last block (ResNet's fc, DenseNet's classifier) or as the last module of the last block's
// Sequential (the MobileNets', EfficientNet's and ConvNeXt's classifier). Null when the network ends otherwise.
struct FinalLinear {
    torch::nn::LinearImpl* linear = nullptr;
    torch::nn::SequentialImpl* sequential = nullptr;  // the last block, when it is a Sequential ending in `linear`
};

FinalLinear finalLinear(NetworkImpl& net)
{
    if (net.blocks().empty())
        return {};
    const std::string& name = net.blocks().back().name;
    for (const auto& child : net.named_children()) {
        if (child.key() != name)
            continue;
        if (auto* linear = child.value()->as<torch::nn::Linear>())
            return {linear, nullptr};
        auto* sequential = child.value()->as<torch::nn::Sequential>();
        if (sequential && !sequential->is_empty())
            if (auto* linear = sequential->ptr(sequential->size() - 1)->as<torch::nn::Linear>())
                return {linear, sequential};
    }
    return {};
}

}  // namespace

torch::Tensor classGradients(NetworkImpl& net, int block, const torch::Tensor& activation,
                             const std::vector<int64_t>& classes)
{
    torch::AutoGradMode enableGrad(true);
    const auto k = static_cast<int64_t>(classes.size());
    std::vector<int64_t> repeats(activation.dim(), 1);
    repeats[0] = k;
    const torch::Tensor leaf = activation.detach().repeat(repeats).requires_grad_(true);
    const torch::Tensor index = torch::tensor(classes, torch::kInt64).to(activation.device());
    const int last = static_cast<int>(net.blocks().size()) - 1;
    const FinalLinear final = finalLinear(net);
    if (final.linear && block < last) {
        // Only the K explained logits: row k's score is the dot product of its features with its class's weight
        // row, so the final layer's product over all classes (and its backward, which only reads back the same
        // weight rows) is skipped. The gradients are the same numbers: a one-hot row times the weights is the row.
        torch::Tensor x = leaf;
        for (int i = block + 1; i < last; ++i)
            x = net.blocks()[static_cast<size_t>(i)].run(x);
        if (final.sequential) {
            for (size_t i = 0; i + 1 < final.sequential->size(); ++i)
                x = final.sequential->begin()[static_cast<std::ptrdiff_t>(i)].forward(x);
        }
        const torch::Tensor rows = final.linear->weight.index_select(0, index);
        (x * rows).sum().backward();
    } else {
        const torch::Tensor logits = net.forwardFrom(block, leaf);
        logits.gather(1, index.view({k, 1})).sum().backward();
    }
    return leaf.grad().detach();
}

}  // namespace convlens
