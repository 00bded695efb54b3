#include "core/common/threads.h"

#include "core/common/cpuload.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#ifdef __linux__
#include <dlfcn.h>
#include <sched.h>
#endif

namespace convlens {

namespace {

// 0 until setInferenceThreads() is called: threads keep OpenMP's own default (OMP_NUM_THREADS).
std::atomic<int> gConfiguredThreads{0};
// Whether gConfiguredThreads is the most an automatic count may be; the count in effect (fixed, or the one the last
// inference chose).
std::atomic<bool> gAutomatic{false};
std::atomic<int> gChosenThreads{0};
// The calling thread's own count (ThisThreadInferenceThreads); 0: the process-wide setting.
thread_local int tThisThreadCount = 0;

// The cores this process may run on (its affinity mask: a cluster job's share of a node), else all of them.
int allCores()
{
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return cores > 0 ? cores : 1;
}

// OMP_NUM_THREADS set to a count: the user's (or the cluster job's) fixed choice, which an automatic count keeps.
int ompNumThreads()
{
    const char* value = std::getenv("OMP_NUM_THREADS");
    if (!value || !*value)
        return 0;
    char* end = nullptr;
    const long count = std::strtol(value, &end, 10);
    return end != value && (*end == '\0' || *end == ',') && count > 0 && count < 4096 ? static_cast<int>(count) : 0;
}

// OpenBLAS, through which LibTorch multiplies its Linear layers, keeps a thread count of its own (OMP_NUM_THREADS
// or all cores when it is loaded), and its threads wait for each other as OpenMP's do: beside a busy program,
// MobileNet V3 Large's forward took 58 ms with one OpenMP thread but two OpenBLAS threads, 12 ms with one of each.
// So it follows the inference count. Found at run time: LibTorch may be linked against another BLAS.
void setBlasThreads(int count)
{
#ifdef __linux__
    using SetThreads = void (*)(int);
    static const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    static std::atomic<int> current{0};
    if (set && current.exchange(count) != count)
        set(count);
#else
    (void)count;
#endif
}

}  // namespace

int setInferenceThreads(int count)
{
    const bool automatic = count <= 0;
    if (automatic)
        count = allCores();
    gAutomatic.store(automatic);
    gChosenThreads.store(count);
    gConfiguredThreads.store(count);
    applyInferenceThreads();
    return count;
}

bool inferenceThreadsAutomatic()
{
    return gAutomatic.load();
}

int inferenceThreads()
{
    // A fixed count is its own choice (setInferenceThreads() stores it as chosen too).
    return gConfiguredThreads.load() > 0 ? gChosenThreads.load() : at::get_num_threads();
}

int applyInferenceThreads()
{
    int wanted = gConfiguredThreads.load();
    if (tThisThreadCount > 0) {
        wanted = tThisThreadCount;
    } else if (wanted > 0 && gAutomatic.load()) {
        if (const int fixed = ompNumThreads()) {
            wanted = fixed;
        } else {
            int cores = 0;
            const double others = otherProgramsBusyCores(&cores);
            wanted = threadsBesideLoad(wanted, cores > 0 ? cores : wanted, others);
        }
        gChosenThreads.store(wanted);
    }
    // at::set_num_threads also resizes torch's process-wide pthreadpool, so it runs only on a change, not per
    // inference.
    if (wanted > 0 && at::get_num_threads() != wanted)
        at::set_num_threads(wanted);
    if (wanted > 0)
        setBlasThreads(wanted);
    return at::get_num_threads();
}

ThisThreadInferenceThreads::ThisThreadInferenceThreads(int count) : mPrevious(tThisThreadCount)
{
    if (count > 0)
        tThisThreadCount = count;
}

ThisThreadInferenceThreads::~ThisThreadInferenceThreads()
{
    tThisThreadCount = mPrevious;
}

}  // namespace convlens
