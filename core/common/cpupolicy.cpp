#include "core/common/cpupolicy.h"

#include <cstdlib>
#include <cstring>

#ifdef __linux__
#include <link.h>
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
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT") || !argv || !argv[0])
        return;
    if (setenv("OMP_WAIT_POLICY", kWaitPolicy, 1) != 0)
        return;
    // A program without LibTorch (convlens-cli) only passes the variable on to what it starts.
    if (!openMpLoaded())
        return;
    execv("/proc/self/exe", argv);
    // Still here: the program could not be executed again. This process's libgomp keeps its default policy;
    // leave the variable to child processes (convlens-cli-engine) all the same.
#else
    (void)argv;
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

}  // namespace convlens
