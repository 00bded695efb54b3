#include "core/inspect/guidedbackprop.h"

#include "core/models/network.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/generated/Functions.h>

#include <unordered_set>

namespace convlens {

namespace {

namespace generated = torch::autograd::generated;

// Runs before the activation's own backward: that multiplies by f'(x), so the node returns f'(x) · max(g, 0).
class PositiveGradientOnly : public torch::autograd::FunctionPreHook {
public:
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& grads) override
    {
        torch::autograd::variable_list out;
        out.reserve(grads.size());
        for (const torch::Tensor& g : grads)
            out.push_back(g.defined() ? torch::relu(g) : g);
        return out;
    }
};

// The backward nodes of the activation functions our networks use. ReLU6 is hardtanh(x, 0, 6) in ATen.
bool isActivation(torch::autograd::Node* node)
{
    return dynamic_cast<generated::ReluBackward0*>(node) || dynamic_cast<generated::HardtanhBackward0*>(node) ||
           dynamic_cast<generated::HardswishBackward0*>(node) || dynamic_cast<generated::SiluBackward0*>(node) ||
           dynamic_cast<generated::GeluBackward0*>(node);
}

}  // namespace

int guideActivations(const torch::Tensor& root)
{
    int hooked = 0;
    std::unordered_set<torch::autograd::Node*> seen;
    std::vector<torch::autograd::Node*> stack;
    if (root.grad_fn())
        stack.push_back(root.grad_fn().get());
    while (!stack.empty()) {
        torch::autograd::Node* node = stack.back();
        stack.pop_back();
        if (!seen.insert(node).second)
            continue;
        if (isActivation(node)) {
            node->add_pre_hook(std::make_unique<PositiveGradientOnly>());
            ++hooked;
        }
        for (const torch::autograd::Edge& edge : node->next_edges())
            if (edge.function)
                stack.push_back(edge.function.get());
    }
    return hooked;
}

namespace {

// One guided backward pass for `classes` (batched); undefined when `cancel` was set during the forward.
torch::Tensor guidedPass(NetworkImpl& net, const torch::Tensor& input, const std::vector<int64_t>& classes,
                         const std::atomic<bool>* cancel)
{
    torch::AutoGradMode enableGrad(true);
    const auto k = static_cast<int64_t>(classes.size());
    const torch::Tensor leaf = input.detach().repeat({k, 1, 1, 1}).requires_grad_(true);
    const torch::Tensor logits = net.forward(leaf, cancel);
    if (!logits.defined())
        return {};
    const torch::Tensor index = torch::tensor(classes, torch::kInt64).view({k, 1}).to(logits.device());
    const torch::Tensor objective = logits.gather(1, index).sum();
    guideActivations(objective);
    objective.backward();
    return leaf.grad().detach();
}

}  // namespace

torch::Tensor guidedInputGradients(NetworkImpl& net, const torch::Tensor& input, const std::vector<int64_t>& classes,
                                   const std::atomic<bool>* cancel)
{
    if (!cancel)
        return guidedPass(net, input, classes, nullptr);
    std::vector<torch::Tensor> rows;
    for (int64_t c : classes) {
        if (cancel->load())
            return {};
        torch::Tensor row = guidedPass(net, input, {c}, cancel);
        if (!row.defined())
            return {};
        rows.push_back(std::move(row));
    }
    return torch::cat(rows, 0);
}

}  // namespace convlens
