// waitpolicy_probe ARG...: applies ConvLens's OpenMP wait policy as its programs do, then prints what libgomp and
// OpenBLAS saw when they were loaded (OMP_WAIT_POLICY, GOMP_SPINCOUNT and OPENBLAS_THREAD_TIMEOUT as they were
// before main(), "-" for unset), what they are now, and its arguments, one per line. Linked with LibTorch, so
// libgomp is loaded as in convlens-cli-engine.
#include "core/common/cpupolicy.h"

#include <torch/torch.h>

#include <malloc.h>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string env(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "-";
}

// Before main(): what the libraries loaded with the program found in the environment.
const std::string gPolicyAtLoad = env("OMP_WAIT_POLICY");
const std::string gSpinAtLoad = env("GOMP_SPINCOUNT");
const std::string gBlasAtLoad = env("OPENBLAS_THREAD_TIMEOUT");

}  // namespace

int main(int argc, char** argv)
{
    convlens::applyWaitPolicy(argv);
    convlens::applyAllocatorPolicy();
    std::printf("at load: %s %s %s\n", gPolicyAtLoad.c_str(), gSpinAtLoad.c_str(), gBlasAtLoad.c_str());
    std::printf("now: %s %s %s\n", env("OMP_WAIT_POLICY").c_str(), env("GOMP_SPINCOUNT").c_str(),
                env("OPENBLAS_THREAD_TIMEOUT").c_str());
    for (int i = 1; i < argc; ++i)
        std::printf("arg: %s\n", argv[i]);
    // Whether a 16 MiB block is a mapping of its own (glibc counts those in hblks).
    const std::size_t mappedBefore = mallinfo2().hblks;
    char* volatile block = static_cast<char*>(std::malloc(16u << 20));  // volatile: the pair is not elided
    block[0] = 1;
    std::printf("16 MiB mapped: %s\n", mallinfo2().hblks > mappedBefore ? "yes" : "no");
    std::free(block);
    // LibTorch is used, so the library is really loaded (and not dropped by --as-needed).
    std::printf("threads: %d\n", static_cast<int>(torch::get_num_threads()));
    return 0;
}
