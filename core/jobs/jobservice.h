#pragma once
// JobService: runs analysis work off the GUI thread, one inference at a time, with progress, cancellation and
// latest-request-wins per view.
//
// - Interactive requests carry a view key ("main", "compare-left"): a new request for the same view cancels the
//   one queued or in flight for it; the superseded job ends Cancelled and its result is never delivered.
//   Interactive requests run before queued batch requests.
// - Batch requests run in submission order (FIFO).
// - Work functions run one at a time on the service's own single-thread QThreadPool, so each inference can use
//   every intra-op thread.
//
// Threads: create, call and destroy from one thread with an event loop (the GUI thread). No public call blocks
// except shutdown() and the destructor. Signals are always emitted from that thread's event loop, never from
// inside a public call, and in the order the transitions happened: jobStateChanged(Queued) → (Running) →
// jobProgress... (and jobPartialResult...) → jobStateChanged(final) → jobFinished. Every submitted job reaches exactly one final state and
// gets exactly one jobFinished.
// Failure: an Error returned by the work, an exception it throws, or a null result make the job Failed with a
// message (prefixed with the job's label when one was given); nothing here throws or aborts.

#include "core/jobs/job.h"

#include <QFuture>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

template <typename T>
class QFutureWatcher;

namespace convlens {

class JobService : public QObject {
    Q_OBJECT

public:
    explicit JobService(QObject* parent = nullptr);
    // Calls shutdown(): blocks until a running work function notices its cancel flag and returns.
    ~JobService() override;

    // Queues `work` for `view`, superseding (cancelling) every unfinished interactive job of the same view.
    JobId submitInteractive(const QString& view, JobWork work, const QString& label = {});
    // Queues `work` behind every other batch job.
    JobId submitBatch(JobWork work, const QString& label = {});

    // Cancels a queued job at once, or asks a running one to stop (it ends Cancelled when its work returns).
    // Returns false when the id is unknown or already final.
    bool cancel(JobId id);
    void cancelAll();

    // The job's current state; nullopt for an id this service never issued (or forgot: only the last 4096
    // final states are remembered).
    std::optional<JobState> state(JobId id) const;
    // Last progress reported to the GUI thread, in [0, 1], and its stage label.
    double progress(JobId id) const;
    QString stage(JobId id) const;

    int activeCount() const;  // queued + running
    bool isIdle() const { return activeCount() == 0; }

    // Cancels everything and waits for the running work function to return. Blocking: for application exit
    // and tests only. Jobs submitted afterwards end Cancelled.
    void shutdown();

protected:
    // Partial results posted by the worker arrive here, taking its hand-over edge (core/common/handover.h).
    bool event(QEvent* event) override;

Q_SIGNALS:
    void jobStateChanged(quint64 id, convlens::JobState state);
    void jobProgress(quint64 id, double fraction, const QString& stage);
    // The result so far of a running job (JobContext::deliverPartial), before its jobFinished; never after it,
    // never for a job cancelled meanwhile.
    void jobPartialResult(quint64 id, convlens::ResultPtr soFar);
    void jobFinished(quint64 id, const convlens::JobOutcome& outcome);

private:
    struct Job {
        JobId id = 0;
        QString view;  // empty for batch jobs
        QString label;
        JobWork work;
        JobState state = JobState::Queued;
        double progress = 0.0;
        QString stage;
        std::shared_ptr<std::atomic<bool>> cancelFlag = std::make_shared<std::atomic<bool>>(false);
        QFuture<JobOutcome> future;
        QFutureWatcher<JobOutcome>* watcher = nullptr;
    };

    JobId enqueue(const QString& view, JobWork work, const QString& label);
    void startNext();
    void onProgress(JobId id, int value);
    void onPartial(JobId id, const ResultPtr& soFar);
    void onWorkFinished(JobId id);
    void finish(JobId id, JobOutcome outcome);
    void requestCancel(Job& job);
    // Emits later from the event loop, keeping the order of calls.
    void post(std::function<void()> emitter);

    QThreadPool mPool;           // one thread: the inference worker
    std::map<JobId, Job> mJobs;  // unfinished jobs
    std::deque<JobId> mInteractiveQueue;
    std::deque<JobId> mBatchQueue;
    JobId mRunning = 0;
    JobId mNextId = 1;
    bool mShutdown = false;
    std::map<JobId, JobState> mFinalStates;  // most recent final states, oldest id first
};

}  // namespace convlens
