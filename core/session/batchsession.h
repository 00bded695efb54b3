#pragma once
// BatchSession: a folder batch as the window runs it — the BatchRunner (core/batch/batchrunner.h) driven one chunk
// at a time through the session's JobService, so clicking a row (an interactive analysis) is served between two
// chunks, and the GUI thread never waits. Progress (count, images/s, ETA), pause, resume, cancel; records arrive
// as they are made; the accuracy, disagreements and channel exemplars follow them.
//
// States: Idle → Preparing (listing on a worker) → Running ⇄ Paused → Finishing (summaries on a worker) → Done;
// cancel() from Preparing/Running/Paused → Finishing with what is done (everything finished is kept and written)
// → Cancelled. A new start() while one runs cancels the old one first.
//
// Threads: create, call and destroy on the GUI thread; signals arrive there. The runner is touched only by the
// job in flight (one at a time), and by this object between jobs.
// Failure: a batch that cannot start (no output folder, nothing to list, no backend) or a model that cannot be
// loaded ends in failed(message); unreadable images are records with status Failed, never a failure of the batch.
// A batch job cancelled from outside (the window's "Cancel All Jobs") counts as cancel().
//
// Records of a chunk cut short by cancel() are written by the runner but not returned by its step: finish() reads
// them back from records.jsonl (with their thumbnails), so they still reach records().

#include "core/batch/batchrunner.h"
#include "core/batch/batchstats.h"
#include "core/jobs/job.h"
#include "core/jobs/jobservice.h"

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <vector>

namespace convlens {

class ResultCache;

class BatchSession : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Preparing, Running, Paused, Finishing, Done, Cancelled, Failed };
    Q_ENUM(State)

    // `jobs` runs the chunks (the AnalysisSession's service, shared with the main view); it must outlive this.
    // `backend` may be null until setBackend() (start() then fails).
    BatchSession(JobService* jobs, std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache,
                 QObject* parent = nullptr);
    ~BatchSession() override;  // cancels; the job in flight notices its flag (and keeps the runner alive)

    // The engine and cache of the next start().
    void setBackend(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache);

    void start(BatchPlan plan);
    void pause();  // the chunk in flight finishes; no next one starts
    void resume();
    void cancel();

    State state() const { return mState; }
    bool isActive() const;                     // Preparing, Running, Paused or Finishing
    bool hasJob() const { return mJob != 0; }  // one of its jobs is queued or running (a pause waits for it)
    const BatchPlan& plan() const { return mPlan; }
    QStringList listingProblems() const { return mProblems; }  // paths that could not be listed (after prepared)
    QString error() const { return mError; }                   // the message of the last failed()

    int total() const { return mTotal; }
    int processed() const { return mProcessed; }
    double imagesPerSecond() const;  // over this run's processed images (resumed ones excluded); 0 before any
    double etaSeconds() const;       // -1 when unknown

    // Every record so far (resumed ones first), thumbnails included (not for resumed ones); one per image × model.
    const std::vector<BatchRecord>& records() const { return mRecords; }
    std::vector<ModelAccuracy> accuracy() const;
    std::vector<Disagreement> disagreements() const;
    ChannelExemplars exemplars(const std::string& modelId) const;
    const BatchOutcome& outcome() const { return mOutcome; }

Q_SIGNALS:
    void started();  // a new run: plan() is the new one, records() empty (before its stateChanged)
    void stateChanged(convlens::BatchSession::State state);
    void prepared(int total, int resumed);    // the listing is done; `resumed` records came from the folder
    void recordsAdded(int first, int count);  // records()[first, first + count) are new
    void progressChanged(int processed, int total);
    void finished(const convlens::BatchOutcome& outcome);  // Done or Cancelled; the summaries are written
    void failed(const QString& message);

private:
    enum class Task { Prepare, Step, Finish };
    struct Pending;  // what a job hands back, filled on the worker (batchsession.cpp)

    void setState(State state);
    void submit(Task task);
    void scheduleStep();
    void scheduleFinish();
    void abandon();  // drops the current run: cancels its job, finishes its runner unobserved
    void onJobFinished(JobId id, const JobOutcome& outcome);
    void appendRecords(std::vector<BatchRecord> records);
    void takeSnapshot(const Pending& pending);

    QPointer<JobService> mJobs;
    std::shared_ptr<const BatchBackend> mBackend;
    std::shared_ptr<ResultCache> mCache;
    BatchPlan mPlan;
    std::shared_ptr<BatchRunner> mRunner;
    State mState = State::Idle;
    bool mPrepared = false;  // the runner's prepare() succeeded: finish() may run
    bool mCancelRequested = false;
    JobId mJob = 0;  // the job in flight, 0 when none
    Task mTask = Task::Prepare;
    std::shared_ptr<Pending> mPending;
    int mTotal = 0;
    int mProcessed = 0;
    int mProcessedAtStart = 0;  // resumed images: not counted in the rate
    double mStepSeconds = 0.0;  // the steps' time on the worker (pauses and other jobs excluded)
    std::vector<BatchRecord> mRecords;
    QSet<QString> mKeys;                                 // the records' keys
    std::map<std::string, ChannelExemplars> mExemplars;  // snapshots taken by the jobs
    QStringList mProblems;
    QString mError;
    BatchOutcome mOutcome;
};

}  // namespace convlens
