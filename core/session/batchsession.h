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
// Failure: a batch that cannot start (no output folder, nothing to list) or a model that cannot be loaded ends
// in failed(message); unreadable images are records with status Failed, never a failure of the batch.

#include "core/batch/batchrunner.h"
#include "core/batch/batchstats.h"
#include "core/jobs/job.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace convlens {

class JobService;
class ResultCache;

class BatchSession : public QObject {
    Q_OBJECT

public:
    enum class State { Idle, Preparing, Running, Paused, Finishing, Done, Cancelled, Failed };
    Q_ENUM(State)

    // `jobs` runs the chunks (the AnalysisSession's service, shared with the main view); it must outlive this.
    BatchSession(JobService* jobs, std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache,
                 QObject* parent = nullptr);
    ~BatchSession() override;  // cancels; the job in flight notices its flag

    void start(BatchPlan plan);
    void pause();   // the chunk in flight finishes; no next one starts
    void resume();
    void cancel();

    State state() const { return mState; }
    bool isActive() const;  // Preparing, Running, Paused or Finishing
    const BatchPlan& plan() const { return mPlan; }

    int total() const { return mTotal; }
    int processed() const { return mProcessed; }
    double imagesPerSecond() const;  // over this run's processed images (resumed ones excluded); 0 before any
    double etaSeconds() const;       // -1 when unknown

    // Every record so far (resumed ones first), thumbnails included; one per image × model.
    const std::vector<BatchRecord>& records() const { return mRecords; }
    std::vector<ModelAccuracy> accuracy() const;
    std::vector<Disagreement> disagreements() const;
    ChannelExemplars exemplars(const std::string& modelId) const;
    const BatchOutcome& outcome() const { return mOutcome; }

Q_SIGNALS:
    void stateChanged(convlens::BatchSession::State state);
    void prepared(int total, int resumed);  // the listing is done; `resumed` records came from the folder
    void recordsAdded(int first, int count);  // records()[first, first + count) are new
    void progressChanged(int processed, int total);
    void finished(const convlens::BatchOutcome& outcome);  // Done or Cancelled; the summaries are written
    void failed(const QString& message);

private:
    void setState(State state);
    void scheduleStep();
    void onJobFinished(JobId id, const JobOutcome& outcome);

    JobService* mJobs = nullptr;
    std::shared_ptr<const BatchBackend> mBackend;
    std::shared_ptr<ResultCache> mCache;
    BatchPlan mPlan;
    std::shared_ptr<BatchRunner> mRunner;
    State mState = State::Idle;
    JobId mJob = 0;
    int mTotal = 0;
    int mProcessed = 0;
    int mProcessedAtStart = 0;
    QElapsedTimer mClock;
    std::vector<BatchRecord> mRecords;
    BatchOutcome mOutcome;
};

}  // namespace convlens
