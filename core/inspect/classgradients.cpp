#include "core/inspect/classgradients.h"

#include "core/inspect/parallelfor.h"
#include "core/models/network.h"

#include <algorithm>

namespace convlens {

namespace {

// The Linear layer that computes the logits, and what the last block runs before it: every ConvLens network ends
// in one, as its last block (ResNet's fc, DenseNet's classifier) or as the last module of the last block's
// Sequential (the MobileNets', EfficientNet's and ConvNeXt's classifier). Null when the network ends otherwise.
struct FinalLinear {
    torch::nn::LinearImpl* linear = nullptr;
    torch::nn::SequentialImpl* sequential = nullptr;  // the last block, when it is a Sequential ending in `linear`
};

// A Linear layer whose input rows are all the same (the K copies of one activation), for the head's backward pass:
// the forward computes one row (a matrix-vector product, which OpenBLAS does without packing the weights) and
// repeats it; the backward takes the K rows of gradient through the weights in one product, as Linear's own
// backward does. The weights never require grad, so no weight gradient is made.
struct SharedRowsLinear : torch::autograd::Function<SharedRowsLinear> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 const torch::Tensor& weight, const torch::Tensor& bias)
    {
        ctx->saved_data["weight"] = weight;
        const torch::Tensor row = bias.defined() ? torch::addmv(bias, weight, x[0]) : torch::mv(weight, x[0]);
        return row.unsqueeze(0).expand({x.size(0), row.size(0)}).contiguous();
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        const torch::Tensor weight = ctx->saved_data["weight"].toTensor();
        return {fewRowsTimes(grads[0], weight), torch::Tensor(), torch::Tensor()};
    }
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

torch::Tensor fewRowsTimes(const torch::Tensor& rows, const torch::Tensor& weight)
{
    TORCH_CHECK(rows.dim() == 2 && weight.dim() == 2 && rows.size(1) == weight.size(0), "fewRowsTimes: shapes ",
                rows.sizes(), " and ", weight.sizes(), " do not multiply");
    const int64_t k = rows.size(0), n = weight.size(0), m = weight.size(1);
    if (k > 8 || !rows.device().is_cpu() || !weight.device().is_cpu() || rows.scalar_type() != torch::kFloat32 ||
        weight.scalar_type() != torch::kFloat32)
        return rows.mm(weight);
    const torch::Tensor a = rows.contiguous();
    const torch::Tensor w = weight.contiguous();
    torch::Tensor result = torch::zeros({k, m}, a.options());
    const float* ap = a.data_ptr<float>();
    const float* wp = w.data_ptr<float>();
    float* rp = result.data_ptr<float>();
    // Blocks of 64 weight rows (a 960-column half: 120 KiB) stay in the core's cache while the K rows use them.
    constexpr int64_t kBlock = 64;
    parallelFor(0, m, 128, [&](int64_t c0, int64_t c1) {
        for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
            const int64_t j1 = std::min(n, j0 + kBlock);
            for (int64_t r = 0; r < k; ++r) {
                const float* coef = ap + r * n;
                float* __restrict out = rp + r * m;
                int64_t j = j0;
                for (; j + 4 <= j1; j += 4) {
                    const float c0v = coef[j], c1v = coef[j + 1], c2v = coef[j + 2], c3v = coef[j + 3];
                    const float* __restrict w0 = wp + j * m;
                    const float* __restrict w1 = w0 + m;
                    const float* __restrict w2 = w1 + m;
                    const float* __restrict w3 = w2 + m;
                    for (int64_t c = c0; c < c1; ++c)
                        out[c] += c0v * w0[c] + c1v * w1[c] + c2v * w2[c] + c3v * w3[c];
                }
                for (; j < j1; ++j) {
                    const float cv = coef[j];
                    const float* __restrict w0 = wp + j * m;
                    for (int64_t c = c0; c < c1; ++c)
                        out[c] += cv * w0[c];
                }
            }
        }
    });
    return result;
}

torch::Tensor classGradients(NetworkImpl& net, int block, const torch::Tensor& activation,
                             const std::vector<int64_t>& classes, const torch::Tensor& pooled)
{
    torch::AutoGradMode enableGrad(true);
    const auto k = static_cast<int64_t>(classes.size());
    const int last = static_cast<int>(net.blocks().size()) - 1;
    // When the next block is the global average pool, the backward pass starts after it, from the pooled vector:
    // the pool's own backward divides each channel's gradient by H·W and repeats it at every position, which the
    // end of this function does on the K rows (the same numbers), so the K copies of the whole feature map, the
    // pool's forward over them and its backward are skipped.
    const bool fromPool =
        block + 1 < last && activation.dim() == 4 && net.blocks()[static_cast<size_t>(block + 1)].globalAveragePool;
    torch::Tensor start = activation.detach();
    int from = block;
    if (fromPool) {
        torch::NoGradGuard noGrad;
        start = pooled.defined() ? pooled.detach() : net.blocks()[static_cast<size_t>(block + 1)].run(start);
        from = block + 1;
    }
    std::vector<int64_t> repeats(start.dim(), 1);
    repeats[0] = k;
    const torch::Tensor leaf = start.repeat(repeats).requires_grad_(true);
    const torch::Tensor index = torch::tensor(classes, torch::kInt64).to(activation.device());
    const FinalLinear final = finalLinear(net);
    if (final.linear && from < last) {
        // Only the K explained logits: row k's score is the dot product of its features with its class's weight
        // row, so the final layer's product over all classes (and its backward, which only reads back the same
        // weight rows) is skipped. The gradients are the same numbers: a one-hot row times the weights is the row.
        torch::Tensor x = leaf;
        for (int i = from + 1; i < last; ++i)
            x = net.blocks()[static_cast<size_t>(i)].run(x);
        if (final.sequential) {
            // Every row of x is the same activation (the network treats batch items alike), so a hidden Linear
            // layer (MobileNet V3's 960 → 1280) computes one row.
            for (size_t i = 0; i + 1 < final.sequential->size(); ++i) {
                auto& module = final.sequential->begin()[static_cast<std::ptrdiff_t>(i)];
                if (auto* linear = module.ptr()->as<torch::nn::Linear>(); linear && x.dim() == 2)
                    x = SharedRowsLinear::apply(x, linear->weight, linear->bias);
                else
                    x = module.forward(x);
            }
        }
        const torch::Tensor rows = final.linear->weight.index_select(0, index);
        (x * rows).sum().backward();
    } else {
        const torch::Tensor logits = net.forwardFrom(from, leaf);
        logits.gather(1, index.view({k, 1})).sum().backward();
    }
    const torch::Tensor grad = leaf.grad().detach();
    if (!fromPool)
        return grad;
    const int64_t channels = activation.size(1), h = activation.size(2), w = activation.size(3);
    return (grad.reshape({k, channels, 1, 1}) / static_cast<double>(h * w)).expand({k, channels, h, w});
}

}  // namespace convlens
