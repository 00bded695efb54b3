#pragma once
// Gradients of several class logits with respect to one block's output, from one backward pass of the network
// head. Internal to core/inspect (includes torch).
//
// The activation is replicated K times as a leaf that requires grad; the blocks after `block` run on the K-batch
// (parameters never require grad, so only this head graph is built) and one backward of sum_k logits[k, class_k]
// gives row k = d logits[class_k] / d activation: the K gradient maps of K separate backward passes, because the
// network treats batch items independently (eval mode).
// Threads: the caller owns `net`. Failure: c10::Error on shape problems.

#include <torch/torch.h>

#include <vector>

namespace convlens {

class NetworkImpl;

// activation: [1,...] output of block `block`. Returns [K,...] (detached).
torch::Tensor classGradients(NetworkImpl& net, int block, const torch::Tensor& activation,
                             const std::vector<int64_t>& classes);

}  // namespace convlens
