// JobService: progress, cancellation within one batch, latest-wins per view, batch FIFO, failures and
// exceptions, and that every job reaches exactly one final state with one inference at a time.
#include "core/jobs/jobservice.h"
#include "core/jobs/jobcontext.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMutex>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <stdexcept>
#include <vector>

using namespace convlens;

namespace {

constexpr int kTimeoutMs = 10000;

ResultPtr resultNamed(const std::string& name)
{
    auto r = std::make_shared<AnalysisResult>();
    r->modelId = name;
    return r;
}

// Spins the event loop until `done` or the timeout; returns done().
template <typename Pred>
bool waitUntil(Pred done, int timeoutMs = kTimeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qWait(2);
    }
    return true;
}

// Records every signal of a service.
struct Recorder {
    explicit Recorder(JobService& service)
    {
        QObject::connect(&service, &JobService::jobStateChanged, &service, [this](quint64 id, JobState s) {
            states[id].push_back(s);
            if (s == JobState::Running)
                startOrder.push_back(id);
        });
        QObject::connect(&service, &JobService::jobProgress, &service,
                         [this](quint64 id, double f, const QString& stage) {
                             progress[id].push_back(f);
                             stages[id].push_back(stage);
                             EXPECT_EQ(finished.count(id), 0u) << "progress after jobFinished for job " << id;
                         });
        QObject::connect(&service, &JobService::jobFinished, &service, [this](quint64 id, const JobOutcome& o) {
            EXPECT_EQ(finished.count(id), 0u) << "job " << id << " finished twice";
            finished[id] = o;
        });
    }
    bool waitFinished(const std::vector<JobId>& ids, int timeoutMs = kTimeoutMs)
    {
        return waitUntil(
            [&] {
                for (JobId id : ids)
                    if (!finished.count(id))
                        return false;
                return true;
            },
            timeoutMs);
    }
    std::map<JobId, std::vector<JobState>> states;
    std::map<JobId, std::vector<double>> progress;
    std::map<JobId, std::vector<QString>> stages;
    std::map<JobId, JobOutcome> finished;
    std::vector<JobId> startOrder;
};

// A long job standing in for Score-CAM: `batches` steps of `batchMs` each, checking for cancel between steps.
JobWork batchedWork(std::atomic<int>& batchesDone, int batches = 2000, int batchMs = 5)
{
    return [&batchesDone, batches, batchMs](JobContext& context) -> Expected<ResultPtr> {
        for (int b = 0; b < batches; ++b) {
            if (context.isCancelled())
                return makeError(ErrorKind::Internal, "cancelled");
            QThread::msleep(batchMs);
            ++batchesDone;
            context.setProgress(double(b + 1) / batches, "Score-CAM batch " + std::to_string(b + 1));
        }
        return resultNamed("long");
    };
}

JobWork quickWork(const std::string& name, int ms = 1)
{
    return [name, ms](JobContext&) -> Expected<ResultPtr> {
        QThread::msleep(ms);
        return resultNamed(name);
    };
}

}  // namespace

TEST(JobServiceTest, SucceedsAndDeliversTheResultWithoutBlockingOrSignallingInsideSubmit)
{
    JobService service;
    Recorder rec(service);
    const JobId id = service.submitBatch(quickWork("done"));
    // Nothing is emitted from inside the call: the caller learns the id first.
    EXPECT_TRUE(rec.states.empty());
    ASSERT_TRUE(rec.waitFinished({id}));
    const JobOutcome& outcome = rec.finished[id];
    EXPECT_EQ(outcome.state, JobState::Succeeded);
    ASSERT_NE(outcome.result, nullptr);
    EXPECT_EQ(outcome.result->modelId, "done");
    EXPECT_TRUE(outcome.error.isEmpty());
    EXPECT_EQ(rec.states[id], (std::vector<JobState>{JobState::Queued, JobState::Running, JobState::Succeeded}));
    EXPECT_EQ(service.state(id), JobState::Succeeded);
    EXPECT_TRUE(service.isIdle());
}

TEST(JobServiceTest, ProgressIsMonotonicAndDelivered)
{
    JobService service;
    Recorder rec(service);
    const JobId id = service.submitBatch([](JobContext& context) -> Expected<ResultPtr> {
        for (int step = 0; step <= 20; ++step) {
            context.setProgress(step / 20.0, step < 10 ? "forward" : "gradcam");
            QThread::msleep(5);
        }
        context.setProgress(0.3, "going backwards is ignored");
        return resultNamed("p");
    });
    ASSERT_TRUE(rec.waitFinished({id}));
    EXPECT_EQ(rec.finished[id].state, JobState::Succeeded);
    const std::vector<double>& p = rec.progress[id];
    ASSERT_GE(p.size(), 2u);  // at least one intermediate value and the final 1.0 (throttled to ~25/s)
    for (size_t i = 1; i < p.size(); ++i)
        EXPECT_LT(p[i - 1], p[i]) << "at " << i;
    EXPECT_GT(p.front(), 0.0);
    EXPECT_LT(p.front(), 1.0);
    EXPECT_DOUBLE_EQ(p.back(), 1.0);
    for (const QString& stage : rec.stages[id]) {
        EXPECT_TRUE(stage == QStringLiteral("forward") || stage == QStringLiteral("gradcam")) << stage.toStdString();
    }
    EXPECT_DOUBLE_EQ(service.progress(id), 1.0);
}

TEST(JobServiceTest, CancelStopsALongJobWithinOneBatch)
{
    JobService service;
    Recorder rec(service);
    std::atomic<int> batches{0};
    const JobId id = service.submitBatch(batchedWork(batches));
    ASSERT_TRUE(waitUntil([&] { return !rec.progress[id].empty(); }));
    EXPECT_TRUE(service.cancel(id));
    const int atCancel = batches.load();  // read after the flag is set: only the batch under way may follow
    ASSERT_TRUE(rec.waitFinished({id}, 2000));
    EXPECT_EQ(rec.finished[id].state, JobState::Cancelled);
    EXPECT_EQ(rec.finished[id].result, nullptr);
    EXPECT_LE(batches.load() - atCancel, 1);  // the batch under way when cancel came, at most
    EXPECT_LT(batches.load(), 2000);
    EXPECT_FALSE(service.cancel(id));  // already final
}

TEST(JobServiceTest, CancelledQueuedJobNeverRuns)
{
    JobService service;
    Recorder rec(service);
    std::atomic<int> batches{0};
    const JobId first = service.submitBatch(batchedWork(batches, 10, 5));
    std::atomic<bool> ran{false};
    const JobId second = service.submitBatch([&ran](JobContext&) -> Expected<ResultPtr> {
        ran = true;
        return resultNamed("x");
    });
    EXPECT_EQ(service.state(second), JobState::Queued);
    EXPECT_TRUE(service.cancel(second));
    EXPECT_EQ(service.state(second), JobState::Cancelled);
    ASSERT_TRUE(rec.waitFinished({first, second}));
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(rec.finished[second].state, JobState::Cancelled);
    EXPECT_EQ(rec.states[second], (std::vector<JobState>{JobState::Queued, JobState::Cancelled}));
    EXPECT_EQ(rec.finished[first].state, JobState::Succeeded);
}

TEST(JobServiceTest, TwentyJobsWithInterleavedCancelsAllReachAFinalState)
{
    JobService service;
    Recorder rec(service);
    std::atomic<int> concurrent{0};
    std::atomic<int> maxConcurrent{0};
    auto work = [&](JobContext& context) -> Expected<ResultPtr> {
        const int now = ++concurrent;
        int seen = maxConcurrent.load();
        while (now > seen && !maxConcurrent.compare_exchange_weak(seen, now)) {
        }
        for (int b = 0; b < 4 && !context.isCancelled(); ++b)
            QThread::msleep(2);
        --concurrent;
        return resultNamed("w");
    };
    std::vector<JobId> ids;
    std::vector<JobId> cancelled;
    for (int i = 0; i < 20; ++i) {
        ids.push_back(i % 4 == 0 ? service.submitInteractive(QStringLiteral("view%1").arg(i), work)
                                 : service.submitBatch(work));
        if (i % 3 == 1) {
            // Cancel the job submitted just before: sometimes running, sometimes queued.
            service.cancel(ids[ids.size() - 2]);
            cancelled.push_back(ids[ids.size() - 2]);
        }
        if (i % 5 == 0)
            QTest::qWait(3);  // let some start in between
    }
    ASSERT_TRUE(rec.waitFinished(ids));
    EXPECT_TRUE(service.isIdle());
    EXPECT_EQ(service.activeCount(), 0);
    EXPECT_EQ(maxConcurrent.load(), 1);  // one inference at a time
    for (JobId id : ids) {
        const bool wasCancelled = std::find(cancelled.begin(), cancelled.end(), id) != cancelled.end();
        EXPECT_EQ(rec.finished[id].state, wasCancelled ? JobState::Cancelled : JobState::Succeeded) << "job " << id;
        EXPECT_TRUE(isFinal(*service.state(id)));
        EXPECT_EQ(rec.states[id].front(), JobState::Queued);
        EXPECT_EQ(rec.states[id].back(), rec.finished[id].state);
    }
}

TEST(JobServiceTest, AFailingJobFailsAloneWithItsMessage)
{
    JobService service;
    Recorder rec(service);
    const JobId a = service.submitBatch(quickWork("a"));
    const JobId b = service.submitBatch(
        [](JobContext&) -> Expected<ResultPtr> {
            return makeError(ErrorKind::Internal, "/weights/resnet50.pth: truncated zip archive; delete it and download again");
        },
        QStringLiteral("resnet50"));
    const JobId c = service.submitBatch(quickWork("c"));
    ASSERT_TRUE(rec.waitFinished({a, b, c}));
    EXPECT_EQ(rec.finished[a].state, JobState::Succeeded);
    EXPECT_EQ(rec.finished[c].state, JobState::Succeeded);
    EXPECT_EQ(rec.finished[b].state, JobState::Failed);
    EXPECT_EQ(rec.finished[b].result, nullptr);
    EXPECT_TRUE(rec.finished[b].error.contains(QStringLiteral("truncated zip archive")))
        << rec.finished[b].error.toStdString();
    EXPECT_TRUE(rec.finished[b].error.startsWith(QStringLiteral("resnet50: ")));
}

TEST(JobServiceTest, AnExceptionInWorkBecomesAFailedJob)
{
    JobService service;
    Recorder rec(service);
    const JobId thrower =
        service.submitBatch([](JobContext&) -> Expected<ResultPtr> { throw std::runtime_error("CUDA out of memory"); });
    const JobId oddThrower = service.submitBatch([](JobContext&) -> Expected<ResultPtr> { throw 42; });
    const JobId nullResult = service.submitBatch([](JobContext&) -> Expected<ResultPtr> { return ResultPtr(); });
    const JobId fine = service.submitBatch(quickWork("fine"));
    ASSERT_TRUE(rec.waitFinished({thrower, oddThrower, nullResult, fine}));
    EXPECT_EQ(rec.finished[thrower].state, JobState::Failed);
    EXPECT_TRUE(rec.finished[thrower].error.contains(QStringLiteral("CUDA out of memory")));
    EXPECT_EQ(rec.finished[oddThrower].state, JobState::Failed);
    EXPECT_FALSE(rec.finished[oddThrower].error.isEmpty());
    EXPECT_EQ(rec.finished[nullResult].state, JobState::Failed);
    EXPECT_EQ(rec.finished[fine].state, JobState::Succeeded);
}

TEST(JobServiceTest, LatestRequestWinsForTheSameView)
{
    JobService service;
    Recorder rec(service);
    std::atomic<int> batches{0};
    const JobId first = service.submitInteractive(QStringLiteral("main"), batchedWork(batches));
    ASSERT_TRUE(waitUntil([&] { return service.state(first) == JobState::Running && batches.load() > 0; }));
    const JobId other = service.submitInteractive(QStringLiteral("side"), quickWork("side"));
    const JobId second = service.submitInteractive(QStringLiteral("main"), quickWork("second"));
    const JobId third = service.submitInteractive(QStringLiteral("main"), quickWork("third"));
    ASSERT_TRUE(rec.waitFinished({first, second, third, other}));
    EXPECT_EQ(rec.finished[first].state, JobState::Cancelled);   // was running
    EXPECT_EQ(rec.finished[second].state, JobState::Cancelled);  // was queued
    EXPECT_EQ(rec.finished[first].result, nullptr);
    EXPECT_EQ(rec.finished[second].result, nullptr);
    EXPECT_TRUE(rec.progress[second].empty());
    EXPECT_EQ(rec.finished[third].state, JobState::Succeeded);
    ASSERT_NE(rec.finished[third].result, nullptr);
    EXPECT_EQ(rec.finished[third].result->modelId, "third");
    EXPECT_EQ(rec.finished[other].state, JobState::Succeeded);  // another view is untouched
    EXPECT_LT(batches.load(), 2000);
}

TEST(JobServiceTest, BatchJobsRunInSubmissionOrder)
{
    JobService service;
    Recorder rec(service);
    QMutex mutex;
    std::vector<int> order;
    std::vector<JobId> ids;
    for (int i = 0; i < 8; ++i)
        ids.push_back(service.submitBatch([i, &mutex, &order](JobContext&) -> Expected<ResultPtr> {
            QThread::msleep(1);
            QMutexLocker lock(&mutex);
            order.push_back(i);
            return resultNamed(std::to_string(i));
        }));
    ASSERT_TRUE(rec.waitFinished(ids));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(rec.startOrder, ids);
}

TEST(JobServiceTest, InteractiveRequestsRunBeforeQueuedBatchJobs)
{
    JobService service;
    Recorder rec(service);
    std::atomic<int> batches{0};
    const JobId running = service.submitBatch(batchedWork(batches, 6, 5));
    const JobId batch = service.submitBatch(quickWork("batch"));
    const JobId interactive = service.submitInteractive(QStringLiteral("main"), quickWork("interactive"));
    ASSERT_TRUE(rec.waitFinished({running, batch, interactive}));
    EXPECT_EQ(rec.startOrder, (std::vector<JobId>{running, interactive, batch}));
}

TEST(JobServiceTest, DestroyingTheServiceStopsTheRunningJob)
{
    std::atomic<int> batches{0};
    QElapsedTimer timer;
    {
        JobService service;
        service.submitBatch(batchedWork(batches));
        service.submitBatch(batchedWork(batches));
        ASSERT_TRUE(waitUntil([&] { return batches.load() > 0; }));
        timer.start();
    }  // ~JobService cancels and waits for the running work only
    EXPECT_LT(timer.elapsed(), 2000);
    EXPECT_LT(batches.load(), 2000);
}

TEST(JobServiceTest, PartialResultsArriveInOrderBeforeTheFinalOneAndNeverAfterACancel)
{
    JobService service;
    Recorder rec(service);
    std::vector<std::string> partials;
    QObject::connect(&service, &JobService::jobPartialResult, &service, [&](quint64 id, ResultPtr soFar) {
        EXPECT_EQ(rec.finished.count(id), 0u) << "a partial result after jobFinished";
        partials.push_back(soFar->modelId);
    });
    const JobId id = service.submitInteractive(QStringLiteral("main"), [](JobContext& context) -> Expected<ResultPtr> {
        context.deliverPartial(resultNamed("first"));
        context.deliverPartial(nullptr);  // ignored
        context.deliverPartial(resultNamed("second"));
        return resultNamed("final");
    });
    ASSERT_TRUE(rec.waitFinished({id}));
    EXPECT_EQ(partials, (std::vector<std::string>{"first", "second"}));
    EXPECT_EQ(rec.finished[id].result->modelId, "final");

    // A job superseded after delivering: what it delivered later never arrives.
    partials.clear();
    std::atomic<bool> delivered{false};
    std::atomic<bool> release{false};
    const JobId old = service.submitInteractive(QStringLiteral("main"), [&](JobContext& context) -> Expected<ResultPtr> {
        context.deliverPartial(resultNamed("before"));
        delivered = true;
        while (!release && !context.isCancelled())
            QThread::msleep(1);
        context.deliverPartial(resultNamed("after the cancel"));
        return resultNamed("old");
    });
    ASSERT_TRUE(waitUntil([&] { return delivered.load(); }));
    const JobId next = service.submitInteractive(QStringLiteral("main"), quickWork("new"));
    ASSERT_TRUE(rec.waitFinished({old, next}));
    QTest::qWait(20);
    EXPECT_EQ(rec.finished[old].state, JobState::Cancelled);
    for (const std::string& name : partials)
        EXPECT_NE(name, "after the cancel");
}
