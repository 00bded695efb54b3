#pragma once
// Gradients of several class logits with respect to one block's output, from one backward pass of the network
// head. Internal to core/inspect (includes torch).
//
// The activation is replicated K times as a leaf that requires grad; the blocks after `block` run on the K-batch
// (parameters never require grad, so only this head graph is built) and one backward of sum_k logits[k, class_k]
// gives row k = d logits[class_k] / d activation: the K gradient maps of K separate backward passes, because the
// network treats batch items independently (eval mode). When the next block is the network's global average pool,
// the pooled vector is replicated instead, and each row's gradient spread over the positions as the pool's
// backward does (Block::globalAveragePool).
// Threads: the caller owns `net`. Failure: c10::Error on shape problems.

#include <torch/torch.h>

#include <vector>

namespace convlens {

class NetworkImpl;

// activation: [1,...] output of block `block`. Returns [K,...] (detached; after a global average pool an expanded
// view, the same value at every position: read it, do not write to it). `pooled`, when defined, is the output of
// the pool that follows `block` for this activation (a recorded forward pass holds it), so it is not computed again.
torch::Tensor classGradients(NetworkImpl& net, int block, const torch::Tensor& activation,
                             const std::vector<int64_t>& classes, const torch::Tensor& pooled = {});

// rows [K, n] · weight [n, m] → [K, m] for a few rows (K ≤ 8, float, CPU; otherwise torch::mm): the weights are
// read once, in blocks of rows that stay in the cache while every row of `rows` uses them, and the columns are
// split over the intra-op threads. OpenBLAS's sgemm copies (packs) the whole weight matrix first, which for a few
// rows costs more than the product: MobileNet V3's 1280 × 960 layer with K = 3 took 0.5–0.8 ms, this 0.1–0.2.
// Each value is summed over n in order, four products at a time, so the result does not depend on the thread
// count. Failure: c10::Error on shape problems.
torch::Tensor fewRowsTimes(const torch::Tensor& rows, const torch::Tensor& weight);

}  // namespace convlens
