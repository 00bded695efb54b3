#pragma once
// Guided backpropagation (Springenberg et al. 2015) of several class logits to the input image, from one batched
// backward pass. Internal to core/inspect (includes torch).
//
// The rule, for every activation function f of the network (ReLU, ReLU6, Hardswish, SiLU, GELU, including the
// functional ones such as DenseNet's final ReLU): the backward pass through f is f'(x) · max(g, 0), where g is
// the incoming gradient. For ReLU this is pytorch-grad-cam's GuidedBackpropReLU, g · (x > 0) · (g > 0); for ReLU6
// it is g · (0 < x < 6) · (g > 0); the smooth activations keep their own derivative (which may be negative) and
// only the positive part of the incoming gradient passes. Sigmoid and Hardsigmoid, the gates of
// squeeze-excitation blocks, keep their plain derivative.
//
// How: the forward pass builds an ordinary autograd graph; before the backward pass a hook that clamps the
// incoming gradient to >= 0 is attached to each activation's backward node of that graph (ReluBackward0,
// HardtanhBackward0, HardswishBackward0, SiluBackward0, GeluBackward0). The hooks belong to that one graph and die
// with it, so nothing is switched globally, other threads and later passes are unaffected, and plain inference
// pays nothing.
//
// Threads: the caller owns `net` for the duration. Failure: c10::Error on shape problems.

#include <torch/torch.h>

#include <atomic>
#include <vector>

namespace convlens {

class NetworkImpl;

// input: [1,3,S,S] normalised image. Returns [K,3,S,S] (detached): row k is the guided gradient of
// logits[classes[k]] with respect to the input, equal to K separate backward passes (eval mode: batch items are
// independent). With `cancel`, the classes run one pass each, the flag checked before each (a whole-network
// backward is seconds on a large model) and between the forward's blocks; an undefined tensor when it was set.
torch::Tensor guidedInputGradients(NetworkImpl& net, const torch::Tensor& input, const std::vector<int64_t>& classes,
                                   const std::atomic<bool>* cancel = nullptr);

// Attaches the guided-backprop hook to every activation node of the graph that produced `root` (the tensor
// backward() will start from); returns how many nodes were hooked. Exposed for the tests.
int guideActivations(const torch::Tensor& root);

}  // namespace convlens
