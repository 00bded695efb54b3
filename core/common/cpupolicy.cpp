#include "core/common/cpupolicy.h"

#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <link.h>
#include <malloc.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace convlens {

namespace {

#ifdef __linux__
// Whether libgomp is loaded in this process (it is when the program links LibTorch).
bool openMpLoaded()
{
    const auto visit = [](dl_phdr_info* info, size_t, void*) -> int {
        const char* name = info->dlpi_name;
        for (const char* p = name; p && *p; ++p)
            if (p[0] == 'l' && std::strncmp(p, "libgomp", 7) == 0)
                return 1;
        return 0;
    };
    return dl_iterate_phdr(visit, nullptr) != 0;
}
#endif

}  // namespace

void applyWaitPolicy(char** argv)
{
#ifdef __linux__
    if (!argv || !argv[0])
        return;
    bool set = false;
    if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT"))
        set = setenv("GOMP_SPINCOUNT", kSpinCount, 1) == 0;
    if (!std::getenv("OPENBLAS_THREAD_TIMEOUT"))
        set = setenv("OPENBLAS_THREAD_TIMEOUT", kBlasThreadTimeout, 1) == 0 || set;
    // A program without LibTorch (convlens-cli) only passes the variables on to what it starts.
    if (!set || !openMpLoaded())
        return;
    execv("/proc/self/exe", argv);
    // Still here: the program could not be executed again. This process's libraries keep their default policies;
    // leave the variables to child processes (convlens-cli-engine) all the same.
#else
    (void)argv;
#endif
}

void applyAllocatorPolicy()
{
#if defined(__linux__) && defined(__GLIBC__)
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") ||
        std::getenv("MALLOC_TOP_PAD_") || (tunables && std::strstr(tunables, "glibc.malloc.")))
        return;
    mallopt(M_MMAP_THRESHOLD, int(kMmapThresholdBytes));
    mallopt(M_TRIM_THRESHOLD, int(kTrimThresholdBytes));
#endif
}

void runInBackground()
{
#ifdef __linux__
    thread_local bool lowered = false;
    if (lowered)
        return;
    lowered = true;
    // On Linux a nice value belongs to the thread (its task id), not to the process.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    const int now = getpriority(PRIO_PROCESS, tid);
    if (now < 10)
        setpriority(PRIO_PROCESS, tid, 10);
#endif
}

void runOnlyWhenIdle()
{
#ifdef __linux__
    thread_local bool idle = false;
    if (idle)
        return;
    idle = true;
    sched_param param{};
    param.sched_priority = 0;
    if (sched_setscheduler(0, SCHED_IDLE, &param) != 0)  // 0: the calling thread
        runInBackground();
#else
    runInBackground();
#endif
}

}  // namespace convlens
