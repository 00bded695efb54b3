// A main() for the fuzz targets in builds without libFuzzer (gcc, or CONVLENS_FUZZ=OFF): runs
// LLVMFuzzerTestOneInput once on each file named, or on each file inside each folder named, in sorted order, so
// the regression inputs and seed corpora replay in every build (under ASan in the asan preset). Prints one line per
// folder; a crash or a failed check aborts with a non-zero status like libFuzzer would.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

int runFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
        return 1;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees reads past its end as libFuzzer's own buffer would.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    static uint8_t empty = 0;  // libFuzzer never passes a null pointer, even for an empty input
    LLVMFuzzerTestOneInput(data.empty() ? &empty : data.data(), data.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg = argv[i];
        if (!std::filesystem::is_directory(arg)) {
            failures += runFile(arg);
            continue;
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            failures += runFile(file);
        }
        std::printf("replay: %zu inputs from %s\n", files.size(), arg.c_str());
    }
    return failures == 0 ? 0 : 1;
}
