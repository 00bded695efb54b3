// Fuzz target: the safetensors reader (core/weights/checkpoint.h). The input is the JSON header, then a NUL byte,
// then the tensor data; the target writes the 8-byte little-endian header length in front, so the fuzzer mutates
// the header text without having to keep the length right (an input without NUL is a header with no data).
//
// Contract checked: a value or an Error for any header; a tensor that comes back lies inside the file's data.

#include "core/weights/checkpoint.h"
#include "tests/fuzz/fuzzinput.h"
#include "tests/fuzz/readcheckpoint.h"

#include <c10/util/Logging.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // Every c10::Error LibTorch throws (PyTorchStreamReader on a broken zip) symbolises a backtrace through dladdr,
    // which took most of each input's time. The messages, which ConvLens does use, stay the same.
    c10::SetStackTraceFetcher([] { return std::string(); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t headerSize = nul ? static_cast<size_t>(nul - data) : size;
    std::vector<uint8_t> file(8);
    for (int i = 0; i < 8; ++i) {
        file[static_cast<size_t>(i)] = static_cast<uint8_t>(static_cast<uint64_t>(headerSize) >> (8 * i));
    }
    file.insert(file.end(), data, data + headerSize);
    if (nul) {
        file.insert(file.end(), nul + 1, data + size);
    }
    convlens::fuzz::readAndTouch(convlens::fuzz::writeScratchFile("fuzz.safetensors", file.data(), file.size()));
    return 0;
}
