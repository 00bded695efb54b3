#pragma once
// Putting a state_dict into a network: strict by name and shape, like load_state_dict(strict=True).
//
// Threads: the caller must own `net` (no forward running on it). Ownership: values are copied into the
// network's own parameters and buffers; the StateDict is not kept.
// Failure: an Error naming the file and listing the missing, unexpected and mismatched names; the network is
// left unchanged when the check fails. Never throws.

#include "core/common/expected.h"
#include "core/models/network.h"
#include "core/weights/statedict.h"

#include <string>
#include <vector>

namespace convlens {

struct LoadReport {
    std::vector<std::string> missing, unexpected, mismatched;
};

// Copies `sd` into `net`'s named_parameters()/named_buffers() under NoGradGuard. `source` (a path or file name)
// names the weights in errors. A network's BatchNorm num_batches_tracked buffers may be absent from the file
// (checkpoints from before PyTorch 0.4.1 lack them; they do not affect inference).
Expected<LoadReport> applyStateDict(NetworkImpl& net, const StateDict& sd, const std::string& source);

// readCheckpoint(path), torchvision's key renames for the network's architecture (densenet's old "norm.1"
// names), then applyStateDict.
Expected<LoadReport> loadWeights(NetworkImpl& net, const std::string& path);

// Builds `architecture` with `numClasses` outputs and loads `weightsPath` into it; an empty path keeps torchvision's
// random initialisation (untrained). Errors start with `name` (the model id) or name the checkpoint file.
Expected<std::shared_ptr<NetworkImpl>> createNetworkWithWeights(const std::string& name,
                                                                const std::string& architecture, int64_t numClasses,
                                                                const std::string& weightsPath);

// torchvision's densenet key rename: "...denselayerN.norm.1.weight" -> "...denselayerN.norm1.weight" (also
// relu, conv; 1 and 2; weight, bias, running_mean, running_var). Other names pass unchanged.
StateDict remapDensenetKeys(StateDict sd);

}  // namespace convlens
