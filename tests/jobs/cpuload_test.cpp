// How busy other programs keep the cores (core/common/cpuload.h): the kernel's counters parsed (a command name with
// spaces and parentheses, malformed text), the arithmetic (this process's own time is not others', steal is), the
// thread count it leaves, and the live counters beside a busy child process and a busy thread of our own.
#include "core/common/cpuload.h"

#include <QProcess>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <unistd.h>

namespace convlens {
namespace {

const char* const kProcStat =
    "cpu  1000 50 300 8000 100 10 20 30 0 0\n"
    "cpu0 500 25 150 4000 50 5 10 15 0 0\n"
    "cpu1 500 25 150 4000 50 5 10 15 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 999\n";
const char* const kSelfStat =
    "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 1000 0 0 0 170 80 0 0 20 0 5 0 100 1000000 300 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(CpuLoad, ParsesTheKernelsCounters)
{
    const std::optional<CpuTimes> t = parseCpuTimes(kProcStat, kSelfStat);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->busy, 1000u + 50 + 300 + 10 + 20 + 30);  // user nice system irq softirq steal
    EXPECT_EQ(t->total, t->busy + 8000 + 100);            // + idle iowait
    EXPECT_EQ(t->self, 170u + 80);                        // utime + stime, after "(my (odd) prog)"
    EXPECT_EQ(t->cores, 2);

    EXPECT_FALSE(parseCpuTimes("", kSelfStat));
    EXPECT_FALSE(parseCpuTimes("cpu0 1 2 3 4 5 6 7 8\n", kSelfStat)) << "no aggregate line";
    EXPECT_FALSE(parseCpuTimes("cpu  1 2 3\ncpu0 1 2 3 4 5 6 7 8\n", kSelfStat)) << "too few fields";
    EXPECT_FALSE(parseCpuTimes(kProcStat, "4242 no parenthesis 1 2 3"));
    EXPECT_FALSE(parseCpuTimes(kProcStat, "4242 (short) S 1 2 3"));
    EXPECT_FALSE(parseCpuTimes(kProcStat, "4242 (x) S 1 1 1 0 -1 0 0 0 0 0 1x7 80 0"));
}

TEST(CpuLoad, OthersAreEverythingButThisProcessStealIncluded)
{
    const CpuTimes before{1000, 10000, 300, 2};
    // One second at 100 ticks per second on 2 cores: 200 ticks; 150 busy, 60 of them ours.
    CpuTimes after{1150, 10200, 360, 2};
    ASSERT_TRUE(otherProgramsCores(before, after, 100.0));
    EXPECT_DOUBLE_EQ(*otherProgramsCores(before, after, 100.0), (150.0 - 60.0) / 200.0 * 2);
    // All the busy time ours: nobody else.
    after.self = 300 + 150;
    EXPECT_DOUBLE_EQ(*otherProgramsCores(before, after, 100.0), 0.0);
    // Too short to say: 10 ticks of 2 cores at 100 per second is 0.05 s.
    EXPECT_FALSE(otherProgramsCores(before, CpuTimes{1005, 10010, 300, 2}, 100.0));
    EXPECT_FALSE(otherProgramsCores(after, before, 100.0)) << "counters going backwards";
}

TEST(CpuLoad, TheThreadsLeftBesideTheLoad)
{
    EXPECT_EQ(threadsBesideLoad(2, 2, 0.0), 2);
    EXPECT_EQ(threadsBesideLoad(2, 2, 0.4), 2);  // a little background work: not worth a thread
    EXPECT_EQ(threadsBesideLoad(2, 2, 0.7), 1);  // most of a core taken
    EXPECT_EQ(threadsBesideLoad(2, 2, 1.0), 1);
    EXPECT_EQ(threadsBesideLoad(2, 2, 2.0), 1);  // never none
    EXPECT_EQ(threadsBesideLoad(8, 8, 2.2), 6);
    EXPECT_EQ(threadsBesideLoad(4, 8, 1.0), 4);  // no more than asked for
    EXPECT_EQ(threadsBesideLoad(2, 2, -1.0), 2);
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Live: a busy child process is another program; a busy thread of this process is not. Other tests may run beside
// this one and only add to what others use, so the checks are lower bounds.
TEST(CpuLoad, ABusyProcessIsAnotherProgramAndABusyThreadOfOursIsNot)
{
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const std::optional<CpuTimes> first = readCpuTimes();
    ASSERT_TRUE(first) << "/proc/stat or /proc/self/stat unreadable";
    EXPECT_GE(first->cores, 1);

    // Our own thread first: ThreadSanitizer refuses new threads after a fork (the child process).
    std::atomic<bool> stop{false};
    const auto spinStart = std::chrono::steady_clock::now();
    const std::optional<CpuTimes> ownStart = readCpuTimes();
    std::thread spinner([&] {
        volatile unsigned long n = 0;
        while (!stop.load(std::memory_order_relaxed))
            n = n + 1;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    stop = true;
    spinner.join();
    const std::optional<CpuTimes> ownEnd = readCpuTimes();
    ASSERT_TRUE(ownStart && ownEnd);
    const double ownCores = static_cast<double>(ownEnd->self - ownStart->self) / ticks / secondsSince(spinStart);
    // A fair share of a core even on a saturated machine; the arithmetic test shows it is then not others'.
    EXPECT_GE(ownCores, 0.15) << "this process's own busy thread is counted as its own time";

    QProcess busy;
    busy.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("while :; do :; done")});
    ASSERT_TRUE(busy.waitForStarted());
    const std::optional<CpuTimes> start = readCpuTimes();
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    const std::optional<CpuTimes> withChild = readCpuTimes();
    busy.kill();
    busy.waitForFinished();
    ASSERT_TRUE(start && withChild);
    const std::optional<double> others = otherProgramsCores(*start, *withChild, ticks);
    ASSERT_TRUE(others);
    EXPECT_GE(*others, 0.6) << "a process spinning for 0.6 s on one of " << withChild->cores << " cores";
}

}  // namespace
}  // namespace convlens
