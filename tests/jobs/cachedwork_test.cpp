// cachedWork: a JobService job served from the ResultCache on the second request; cancelled work is not stored.
#include "core/jobs/cachedwork.h"
#include "core/jobs/jobservice.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <gtest/gtest.h>

#include <atomic>

using namespace convlens;

namespace {

CacheKey key(const std::string& options)
{
    return CacheKey{CacheKey::sha256Hex("img"), "resnet18", "untrained", options};
}

JobOutcome runOne(JobService& service, JobWork work)
{
    QSignalSpy spy(&service, &JobService::jobFinished);
    const JobId id = service.submitInteractive(QStringLiteral("main"), std::move(work));
    EXPECT_TRUE(spy.wait(10000));
    EXPECT_EQ(spy.count(), 1);
    if (spy.isEmpty())
        return {};
    EXPECT_EQ(spy.first().at(0).value<quint64>(), id);
    return spy.first().at(1).value<JobOutcome>();
}

}  // namespace

TEST(CachedWorkTest, SecondRequestIsServedFromTheCache)
{
    auto cache = std::make_shared<ResultCache>();
    JobService service;
    std::atomic<int> computed{0};
    auto compute = [&computed](JobContext&) -> Expected<ResultPtr> {
        ++computed;
        return std::make_shared<const AnalysisResult>();
    };
    const JobOutcome first = runOne(service, cachedWork(cache, key("a"), compute));
    ASSERT_EQ(first.state, JobState::Succeeded);
    const JobOutcome second = runOne(service, cachedWork(cache, key("a"), compute));
    ASSERT_EQ(second.state, JobState::Succeeded);
    EXPECT_EQ(second.result, first.result);
    EXPECT_EQ(computed.load(), 1);
    EXPECT_EQ(cache->counters().hits, 1);
    const JobOutcome other = runOne(service, cachedWork(cache, key("b"), compute));  // other options: recomputed
    EXPECT_EQ(other.state, JobState::Succeeded);
    EXPECT_EQ(computed.load(), 2);
}

TEST(CachedWorkTest, CancelledWorkIsNotStored)
{
    auto cache = std::make_shared<ResultCache>();
    JobService service;
    QSignalSpy spy(&service, &JobService::jobFinished);
    std::atomic<bool> started{false};
    const JobId id =
        service.submitBatch(cachedWork(cache, key("a"), [&started](JobContext& context) -> Expected<ResultPtr> {
            started = true;
            while (!context.isCancelled())
                QThread::msleep(2);
            return std::make_shared<const AnalysisResult>();  // returned after the cancel: must be dropped
        }));
    ASSERT_TRUE(QTest::qWaitFor([&] { return started.load(); }, 5000));
    service.cancel(id);
    ASSERT_TRUE(spy.wait(5000));
    EXPECT_EQ(spy.first().at(1).value<JobOutcome>().state, JobState::Cancelled);
    EXPECT_EQ(cache->size(), 0);
    EXPECT_EQ(cache->counters().stores, 0);
}
