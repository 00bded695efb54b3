#include "core/common/threads.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <thread>

namespace convlens {

namespace {

// 0 until setInferenceThreads() is called: threads keep OpenMP's own default (OMP_NUM_THREADS).
std::atomic<int> gConfiguredThreads{0};

}  // namespace

int setInferenceThreads(int count)
{
    if (count <= 0) {
        count = static_cast<int>(std::thread::hardware_concurrency());
        if (count <= 0)
            count = 1;
    }
    gConfiguredThreads.store(count);
    applyInferenceThreads();
    return count;
}

int inferenceThreads()
{
    const int configured = gConfiguredThreads.load();
    return configured > 0 ? configured : at::get_num_threads();
}

int applyInferenceThreads()
{
    const int configured = gConfiguredThreads.load();
    // at::set_num_threads also resizes torch's process-wide pthreadpool, so it runs only on a change, not per
    // inference.
    if (configured > 0 && at::get_num_threads() != configured)
        at::set_num_threads(configured);
    return at::get_num_threads();
}

}  // namespace convlens
