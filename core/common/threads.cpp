#include "core/common/threads.h"

#include <ATen/Parallel.h>

#include <thread>

namespace convlens {

int setInferenceThreads(int count)
{
    if (count <= 0) {
        count = static_cast<int>(std::thread::hardware_concurrency());
        if (count <= 0)
            count = 1;
    }
    at::set_num_threads(count);
    return at::get_num_threads();
}

int inferenceThreads()
{
    return at::get_num_threads();
}

}  // namespace convlens
