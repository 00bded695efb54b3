// The CPU policy (core/common/cpupolicy.h): the OpenMP wait policy reaches libgomp, which reads it before main(),
// by the program executing itself again; a user's own setting is kept; background threads are niced; large blocks
// come from glibc's heap.
#include "core/common/cpupolicy.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace convlens {
namespace {

QString probe(const QProcessEnvironment& environment, const QStringList& args = {})
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(CONVLENS_WAITPOLICY_PROBE), args);
    EXPECT_TRUE(process.waitForFinished(60000));
    EXPECT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
    return QString::fromUtf8(process.readAllStandardOutput());
}

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("OMP_WAIT_POLICY"));
    environment.remove(QStringLiteral("GOMP_SPINCOUNT"));
    environment.remove(QStringLiteral("OPENBLAS_THREAD_TIMEOUT"));
    return environment;
}

TEST(CpuPolicy, TheWaitPolicyIsInTheEnvironmentBeforeTheLibrariesLoadAndTheArgumentsSurvive)
{
    const QString out = probe(cleanEnvironment(), {QStringLiteral("a b"), QStringLiteral("--x=1")});
    const QString policy =
        QStringLiteral("- %1 %2\n").arg(QString::fromLatin1(kSpinCount), QString::fromLatin1(kBlasThreadTimeout));
    EXPECT_TRUE(out.contains(QStringLiteral("at load: ") + policy)) << out.toStdString();
    EXPECT_TRUE(out.contains(QStringLiteral("now: ") + policy)) << out.toStdString();
    EXPECT_TRUE(out.contains(QStringLiteral("arg: a b\narg: --x=1\n"))) << out.toStdString();
}

TEST(CpuPolicy, AUsersOwnSettingIsKept)
{
    QProcessEnvironment active = cleanEnvironment();
    active.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("active"));
    active.insert(QStringLiteral("OPENBLAS_THREAD_TIMEOUT"), QStringLiteral("12"));
    EXPECT_TRUE(probe(active).contains(QStringLiteral("at load: active - 12\nnow: active - 12\n")));
    QProcessEnvironment spin = cleanEnvironment();
    spin.insert(QStringLiteral("GOMP_SPINCOUNT"), QStringLiteral("250"));
    const QString blas = QString::fromLatin1(kBlasThreadTimeout);
    EXPECT_TRUE(probe(spin).contains(QStringLiteral("at load: - 250 %1\nnow: - 250 %1\n").arg(blas)));
    QProcessEnvironment passive = cleanEnvironment();
    passive.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("passive"));
    passive.insert(QStringLiteral("OPENBLAS_THREAD_TIMEOUT"), QStringLiteral("28"));
    EXPECT_TRUE(probe(passive).contains(QStringLiteral("at load: passive - 28\nnow: passive - 28\n")));
}

// Under ASan and TSan malloc is the sanitizer's own allocator: glibc's mallopt and mallinfo2 do not apply.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CONVLENS_SANITIZER_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CONVLENS_SANITIZER_MALLOC 1
#endif
#endif

TEST(CpuPolicy, LargeBlocksComeFromTheHeapUnlessTheUserSetTheAllocator)
{
#ifdef CONVLENS_SANITIZER_MALLOC
    GTEST_SKIP() << "malloc is the sanitizer's allocator here; the release run checks glibc's thresholds";
#endif
    QProcessEnvironment environment = cleanEnvironment();
    environment.remove(QStringLiteral("MALLOC_MMAP_THRESHOLD_"));
    environment.remove(QStringLiteral("MALLOC_TRIM_THRESHOLD_"));
    environment.remove(QStringLiteral("MALLOC_TOP_PAD_"));
    environment.remove(QStringLiteral("GLIBC_TUNABLES"));
    EXPECT_TRUE(probe(environment).contains(QStringLiteral("16 MiB mapped: no\n")));
    QProcessEnvironment own = environment;
    own.insert(QStringLiteral("MALLOC_MMAP_THRESHOLD_"), QStringLiteral("131072"));
    EXPECT_TRUE(probe(own).contains(QStringLiteral("16 MiB mapped: yes\n")));
    QProcessEnvironment tunables = environment;
    tunables.insert(QStringLiteral("GLIBC_TUNABLES"), QStringLiteral("glibc.malloc.mmap_threshold=131072"));
    EXPECT_TRUE(probe(tunables).contains(QStringLiteral("16 MiB mapped: yes\n")));
}

TEST(CpuPolicy, ABackgroundThreadIsNicedAndOthersAreNot)
{
    const auto niceOf = [] { return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))); };
    const int before = niceOf();
    int background = -100, other = -100;
    std::thread([&] {
        runInBackground();
        runInBackground();  // idempotent
        background = niceOf();
    }).join();
    std::thread([&] { other = niceOf(); }).join();
    EXPECT_EQ(background, std::max(before, 10));
    EXPECT_EQ(other, before);
    EXPECT_EQ(niceOf(), before);
}

TEST(CpuPolicy, AnIdleThreadRunsInTheIdleClassAndOthersDoNot)
{
    const int before = sched_getscheduler(0);
    int idle = -1, other = -1;
    std::thread([&] {
        runOnlyWhenIdle();
        runOnlyWhenIdle();  // idempotent
        idle = sched_getscheduler(0);
    }).join();
    std::thread([&] { other = sched_getscheduler(0); }).join();
    EXPECT_EQ(idle, SCHED_IDLE);
    EXPECT_EQ(other, before);
    EXPECT_EQ(sched_getscheduler(0), before);
}

}  // namespace
}  // namespace convlens
