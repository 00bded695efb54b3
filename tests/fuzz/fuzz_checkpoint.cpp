// Fuzz target: the checkpoint reader (core/weights/checkpoint.h) on whole files — torch.save zip archives, legacy
// pickles, safetensors, the refused tar format — and the allow-listed Unpickler (core/weights/unpickler.h) on the
// same bytes held in memory, reading pickle after pickle as the legacy reader does.
//
// Contract checked: whatever the bytes, both return a value or an Error; nothing crashes, leaks, throws out of
// them or reads outside the input (ASan/UBSan). A state_dict that comes back must hold tensors whose elements
// lie inside their storages, so every element is read once.

#include "core/weights/checkpoint.h"
#include "core/weights/unpickler.h"
#include "tests/fuzz/fuzzinput.h"
#include "tests/fuzz/readcheckpoint.h"

#include <c10/util/Logging.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // Every c10::Error LibTorch throws (PyTorchStreamReader on a broken zip) symbolises a backtrace through dladdr,
    // which took most of each input's time. The messages, which ConvLens does use, stay the same.
    c10::SetStackTraceFetcher([] { return std::string(); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // Legacy checkpoints are five pickles in a row; a few more cover what follows a STOP.
    convlens::Unpickler unpickler("fuzz.pkl", reinterpret_cast<const char*>(data), size);
    for (int i = 0; i < 8 && unpickler.position() < size; ++i) {
        if (!unpickler.load()) {
            break;
        }
    }

    convlens::fuzz::readAndTouch(convlens::fuzz::writeScratchFile("checkpoint.pth", data, size));
    return 0;
}
