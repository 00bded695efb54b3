#pragma once
// Reading PyTorch checkpoint files into a StateDict without Python and without executing anything from them.
//
// Formats: the zip format of torch.save (PyTorch >= 1.6), the legacy pickle format (torch.save(...,
// _use_new_zipfile_serialization=False), and what PyTorch < 1.6 wrote), and safetensors. The pickles go
// through the allow-listed Unpickler (unpickler.h): a file naming any other global or opcode is refused.
// Every storage is checked against the bytes present and every tensor's offset/sizes/strides against its
// storage before a tensor is made; tensors that shared a storage in Python share it here too.
//
// The state_dict is unwrapped from {"state_dict": ...} or {"model": ...} and DataParallel's "module." prefixes
// are stripped. Architecture-specific key renames happen in weightloader.h.
//
// Threads: any thread; no shared state. Ownership: the returned tensors own their memory (CPU).
// Failure: an Error naming the file and what was wrong with it; never throws.

#include "core/common/expected.h"
#include "core/weights/statedict.h"

#include <string>

namespace convlens {

enum class CheckpointFormat { Zip, Legacy, Safetensors, Tar, Unknown };

// Looks at the first bytes of `path`. Unknown also for a file that cannot be read.
CheckpointFormat detectCheckpointFormat(const std::string& path);

// Reads the state_dict stored in `path` (any format above; the old tar format is recognised and refused).
Expected<StateDict> readCheckpoint(const std::string& path);

}  // namespace convlens
