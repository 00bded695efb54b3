#pragma once
// A state_dict as read from a checkpoint file: tensor names in file order. Only core/weights, core/models and
// core/inspect include this (it pulls in torch headers).

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace convlens {

using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

}  // namespace convlens
