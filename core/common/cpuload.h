#pragma once
// How many cores other programs keep busy: what the automatic inference thread count (threads.h) leaves them.
//
// Measured here (tests/bench/RESULTS.md): a 2-thread ResNet-18 forward on 2 cores takes 21 ms on a quiet machine
// but 47–67 ms beside one busy process, where 1 thread takes 36 ms: LibTorch's OpenMP threads wait for each other
// after every operator, and a thread that lost its core to the other program holds up both. So while another
// program keeps a core busy, an inference is faster on one thread fewer.
//
// The measure is the CPU time of everything but this process over the time since the last look, from the
// kernel's counters (/proc/stat, /proc/self/stat on Linux): this process's own threads (its inference threads,
// which may spin while they wait, and its own background work) are not others, and time the hypervisor gave to
// other machines (steal) is. Torch-free; any thread. Failure: where the counters cannot be read (not Linux),
// nobody else is busy.

#include <cstdint>
#include <optional>
#include <string>

namespace convlens {

// Cumulative CPU time, in the kernel's clock ticks, summed over all cores.
struct CpuTimes {
    uint64_t busy = 0;   // all cores, any process, not idle (steal included)
    uint64_t total = 0;  // busy + idle + waiting for I/O
    uint64_t self = 0;   // this process, all its threads (user + system)
    int cores = 0;       // cores the kernel counts
};

// Parses /proc/stat's text (its "cpu" line and "cpuN" lines) and /proc/self/stat's (utime and stime, after the
// command name, which may itself hold spaces and parentheses). nullopt when either is malformed.
std::optional<CpuTimes> parseCpuTimes(const std::string& procStat, const std::string& selfStat);

// The counters now; nullopt where they cannot be read.
std::optional<CpuTimes> readCpuTimes();

// The cores other programs kept busy on average between two readings, in [0, cores]; nullopt when the readings
// are too close together to say (less than `minSeconds` of wall time, `ticksPerSecond` ticks a second per core).
std::optional<double> otherProgramsCores(const CpuTimes& before, const CpuTimes& after, double ticksPerSecond,
                                         double minSeconds = 0.1);

// Threads for an inference: the cores left free by `otherCores` busy ones, rounded to the nearest, between 1 and
// `maxThreads`.
int threadsBesideLoad(int maxThreads, int cores, double otherCores);

// The cores other programs kept busy since the previous call that measured (at least 0.1 s ago); the previous
// estimate when the last look is more recent; at the first look, the kernel's load average of the last minute
// (this process, just started, is not in it yet). `cores`, when given, receives the number of cores the
// kernel counts (0 where the counters cannot be read). Process-wide; any thread.
double otherProgramsBusyCores(int* cores = nullptr);

}  // namespace convlens
