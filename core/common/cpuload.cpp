#include "core/common/cpuload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>

#ifdef __linux__
#include <unistd.h>
#endif

namespace convlens {

namespace {

// The whole text of a small kernel file (/proc files report a size of 0, so read until the end, to a cap).
std::string readProcFile(const char* path)
{
    std::string text;
    std::FILE* file = std::fopen(path, "re");
    if (!file)
        return text;
    char buffer[4096];
    std::size_t n = 0;
    while (text.size() < (1u << 20) && (n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        text.append(buffer, n);
    std::fclose(file);
    return text;
}

struct Sampler {
    std::mutex mutex;
    std::optional<CpuTimes> last;
    double estimate = 0.0;
    int cores = 0;
};

Sampler& sampler()
{
    static Sampler instance;
    return instance;
}

// The first figure of /proc/loadavg (runnable tasks, averaged over the last minute); 0 where unreadable.
double loadAverage()
{
#ifdef __linux__
    const std::string text = readProcFile("/proc/loadavg");
    char* end = nullptr;
    const double load = std::strtod(text.c_str(), &end);
    return end != text.c_str() && std::isfinite(load) ? load : 0.0;
#else
    return 0.0;
#endif
}

double ticksPerSecond()
{
#ifdef __linux__
    const long ticks = sysconf(_SC_CLK_TCK);
    return ticks > 0 ? static_cast<double>(ticks) : 100.0;
#else
    return 100.0;
#endif
}

}  // namespace

std::optional<CpuTimes> parseCpuTimes(const std::string& procStat, const std::string& selfStat)
{
    CpuTimes times;
    std::istringstream lines(procStat);
    std::string line;
    bool aggregate = false;
    while (std::getline(lines, line)) {
        if (line.rfind("cpu", 0) != 0)
            continue;
        if (line.size() > 3 && line[3] != ' ') {  // "cpuN": one core
            ++times.cores;
            continue;
        }
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
        std::istringstream fields(line.substr(3));
        uint64_t v[8] = {};
        for (uint64_t& value : v)
            if (!(fields >> value))
                return std::nullopt;
        times.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        times.total = times.busy + v[3] + v[4];
        aggregate = true;
    }
    if (!aggregate || times.cores <= 0)
        return std::nullopt;

    // pid (comm) state ppid ... utime stime: utime is the 14th field, the 12th after the command name.
    const std::size_t close = selfStat.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(selfStat.substr(close + 1));
    std::string field;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15; ++i) {
        if (!(fields >> field))
            return std::nullopt;
        if (i >= 14) {
            char* end = nullptr;
            const unsigned long long value = std::strtoull(field.c_str(), &end, 10);
            if (end == field.c_str() || *end != '\0')
                return std::nullopt;
            (i == 14 ? utime : stime) = value;
        }
    }
    times.self = utime + stime;
    return times;
}

std::optional<CpuTimes> readCpuTimes()
{
#ifdef __linux__
    return parseCpuTimes(readProcFile("/proc/stat"), readProcFile("/proc/self/stat"));
#else
    return std::nullopt;
#endif
}

std::optional<double> otherProgramsCores(const CpuTimes& before, const CpuTimes& after, double ticksPerSecond,
                                         double minSeconds)
{
    if (after.total <= before.total || after.cores <= 0 || ticksPerSecond <= 0)
        return std::nullopt;
    const double total = static_cast<double>(after.total - before.total);
    if (total < minSeconds * ticksPerSecond * after.cores)
        return std::nullopt;
    const double busy = after.busy >= before.busy ? static_cast<double>(after.busy - before.busy) : 0.0;
    const double self = after.self >= before.self ? static_cast<double>(after.self - before.self) : 0.0;
    const double others = std::max(0.0, busy - self) / total * after.cores;
    return std::clamp(others, 0.0, static_cast<double>(after.cores));
}

int threadsBesideLoad(int maxThreads, int cores, double otherCores)
{
    const double free = static_cast<double>(cores) - std::max(0.0, otherCores);
    const int threads = static_cast<int>(std::floor(free + 0.5));
    return std::clamp(threads, 1, std::max(1, maxThreads));
}

double otherProgramsBusyCores(int* cores)
{
    const std::optional<CpuTimes> now = readCpuTimes();
    Sampler& s = sampler();
    const std::lock_guard<std::mutex> lock(s.mutex);
    if (now)
        s.cores = now->cores;
    if (cores)
        *cores = s.cores;
    if (!now)
        return s.estimate;
    if (!s.last) {
        // No window yet (the first inference of the process): the kernel's load average of the last minute
        // stands in, which counts this process as nothing yet, having just started.
        s.last = now;
        s.estimate = std::clamp(loadAverage(), 0.0, static_cast<double>(now->cores));
        return s.estimate;
    }
    if (const std::optional<double> others = otherProgramsCores(*s.last, *now, ticksPerSecond())) {
        s.estimate = *others;
        s.last = now;
    }
    return s.estimate;
}

}  // namespace convlens
