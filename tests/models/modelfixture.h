#pragma once
// Test helper: reads what make_model_fixtures.py wrote for one model under CONVLENS_FIXTURE_DIR/models — the
// manifest <id>.json (torchvision's state_dict keys and shapes, file names) and the raw float32 tensors.
// Fails with a message naming the file and the problem.

#include "core/common/expected.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace convlens::test {

struct ModelFixture {
    std::string id;
    std::string weightsPath;  // the checkpoint in the official file name and serialization
    std::string inputPath;
    std::vector<int64_t> inputShape;
    std::string logitsPath;
    std::vector<int64_t> logitsShape;
    // torchvision's state_dict: key → shape (num_batches_tracked included, shape []).
    std::map<std::string, std::vector<int64_t>> stateDict;
};

// The folder the ctest fixture step `fixture.models` writes.
std::string modelFixtureDir();

Expected<ModelFixture> readModelFixture(const std::string& id);

// Reads a little-endian float32 file holding exactly the elements of `shape`.
Expected<torch::Tensor> readFloat32Tensor(const std::string& path, const std::vector<int64_t>& shape);

}  // namespace convlens::test
