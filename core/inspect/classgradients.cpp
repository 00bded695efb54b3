#include "core/inspect/classgradients.h"

#include "core/models/network.h"

namespace convlens {

torch::Tensor classGradients(NetworkImpl& net, int block, const torch::Tensor& activation,
                             const std::vector<int64_t>& classes)
{
    torch::AutoGradMode enableGrad(true);
    const auto k = static_cast<int64_t>(classes.size());
    std::vector<int64_t> repeats(activation.dim(), 1);
    repeats[0] = k;
    const torch::Tensor leaf = activation.detach().repeat(repeats).requires_grad_(true);
    const torch::Tensor logits = net.forwardFrom(block, leaf);
    const torch::Tensor index = torch::tensor(classes, torch::kInt64).view({k, 1}).to(logits.device());
    logits.gather(1, index).sum().backward();
    return leaf.grad().detach();
}

}  // namespace convlens
