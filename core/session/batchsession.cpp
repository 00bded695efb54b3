#include "core/session/batchsession.h"

#include "core/image/imagefile.h"
#include "core/jobs/jobcontext.h"
#include "core/jobs/resultcache.h"

#include <QElapsedTimer>

#include <algorithm>
#include <optional>

namespace convlens {

namespace {

constexpr int kThumbnailSize = 96;  // as the runner makes them

// JobService takes a null result for a failure; the batch jobs hand their data back through Pending instead.
ResultPtr doneMarker()
{
    static const ResultPtr marker = std::make_shared<const AnalysisResult>();
    return marker;
}

}  // namespace

// Written by one job's work on the worker, read on the GUI thread once jobFinished says the work returned (or
// never ran: then `ran` is false). Never touched by both at once.
struct BatchSession::Pending {
    bool ran = false;
    std::optional<Error> error;
    std::vector<BatchRecord> records;
    QStringList problems;
    int total = 0;
    int processed = 0;
    bool finished = false;
    double seconds = 0.0;
    std::map<std::string, ChannelExemplars> exemplars;
    BatchOutcome outcome;
    QSet<QString> known;  // Finish: the keys the GUI already has (a copy)
};

BatchSession::BatchSession(JobService* jobs, std::shared_ptr<const BatchBackend> backend,
                           std::shared_ptr<ResultCache> cache, QObject* parent)
    : QObject(parent), mJobs(jobs), mBackend(std::move(backend)), mCache(std::move(cache))
{
    connect(mJobs, &JobService::jobFinished, this, &BatchSession::onJobFinished);
}

BatchSession::~BatchSession()
{
    // The work holds the runner; it stops at its next check and the runner goes with it.
    if (mJob && mJobs)
        mJobs->cancel(mJob);
}

void BatchSession::setBackend(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache)
{
    mBackend = std::move(backend);
    mCache = std::move(cache);
}

bool BatchSession::isActive() const
{
    return mState == State::Preparing || mState == State::Running || mState == State::Paused ||
           mState == State::Finishing;
}

void BatchSession::setState(State state)
{
    if (state == mState)
        return;
    mState = state;
    Q_EMIT stateChanged(state);
}

// ------------------------------------------------------------------------------------------------ control

void BatchSession::start(BatchPlan plan)
{
    if (isActive())
        abandon();
    mPlan = std::move(plan);
    mRunner.reset();
    mPrepared = false;
    mCancelRequested = false;
    mJob = 0;
    mPending.reset();
    mTotal = 0;
    mProcessed = 0;
    mProcessedAtStart = 0;
    mStepSeconds = 0.0;
    mRecords.clear();
    mKeys.clear();
    mExemplars.clear();
    mProblems.clear();
    mError.clear();
    mOutcome = {};
    Q_EMIT started();
    if (!mBackend || !mJobs) {
        mError = tr("Folder batches need the analysis engine, which this session was not given.");
        setState(State::Failed);
        Q_EMIT failed(mError);
        return;
    }
    mRunner = std::make_shared<BatchRunner>(mBackend, mCache, mPlan);
    setState(State::Preparing);
    submit(Task::Prepare);
}

void BatchSession::pause()
{
    if (mState == State::Running)
        setState(State::Paused);
}

void BatchSession::resume()
{
    if (mState != State::Paused)
        return;
    setState(State::Running);
    if (!mJob)
        scheduleStep();
}

void BatchSession::cancel()
{
    if (mState != State::Preparing && mState != State::Running && mState != State::Paused)
        return;
    mCancelRequested = true;
    setState(State::Finishing);
    if (mJob)
        mJobs->cancel(mJob);  // onJobFinished then finishes what was done
    else
        scheduleFinish();
}

void BatchSession::abandon()
{
    const bool finishing = mJob && mTask == Task::Finish;
    if (mJob && !finishing && mJobs)
        mJobs->cancel(mJob);
    mJob = 0;  // its jobFinished is ignored from now on; a finish in flight completes unobserved
    mPending.reset();
    // The summaries of what was done are still written; batch jobs run in order, so this finishes before the
    // next run's prepare reads the folder.
    if (mPrepared && !finishing && mJobs)
        mJobs->submitBatch(
            [runner = mRunner](JobContext&) -> Expected<ResultPtr> {
                Expected<BatchOutcome> outcome = runner->finish();
                if (!outcome)
                    return outcome.error();
                return doneMarker();
            },
            tr("Batch summaries"));
    mRunner.reset();
}

void BatchSession::scheduleStep()
{
    submit(Task::Step);
}

void BatchSession::scheduleFinish()
{
    if (!mPrepared) {
        // Nothing was listed, so there is nothing to summarise.
        setState(mCancelRequested ? State::Cancelled : State::Done);
        Q_EMIT finished(mOutcome);
        return;
    }
    setState(State::Finishing);
    submit(Task::Finish);
}

void BatchSession::submit(Task task)
{
    auto pending = std::make_shared<Pending>();
    std::shared_ptr<BatchRunner> runner = mRunner;
    JobWork work;
    QString label;
    switch (task) {
        case Task::Prepare:
            label = tr("Listing the batch");
            work = [runner, pending](JobContext&) -> Expected<ResultPtr> {
                pending->ran = true;
                Expected<void> prepared = runner->prepare();
                if (!prepared) {
                    pending->error = prepared.error();
                    return prepared.error();
                }
                pending->records = runner->resumedRecords();
                pending->problems = runner->listingProblems();
                pending->total = runner->total();
                pending->processed = runner->processed();
                pending->finished = runner->finished();
                return doneMarker();
            };
            break;
        case Task::Step:
            label = tr("Batch: %1 of %2").arg(mProcessed).arg(mTotal);
            work = [runner, pending](JobContext& context) -> Expected<ResultPtr> {
                pending->ran = true;
                QElapsedTimer clock;
                clock.start();
                Expected<std::vector<BatchRecord>> records = runner->step(context.cancelFlag());
                pending->seconds = clock.nsecsElapsed() / 1e9;
                pending->total = runner->total();
                pending->processed = runner->processed();
                pending->finished = runner->finished();
                for (const BatchModel& model : runner->plan().models)
                    pending->exemplars[model.spec.id] = runner->exemplars(model.spec.id);
                if (!records) {
                    pending->error = records.error();
                    return records.error();
                }
                pending->records = std::move(records.value());
                return doneMarker();
            };
            break;
        case Task::Finish:
            label = tr("Batch summaries");
            pending->known = mKeys;
            work = [runner, pending, outDir = mPlan.outDir](JobContext&) -> Expected<ResultPtr> {
                pending->ran = true;
                Expected<BatchOutcome> outcome = runner->finish();
                pending->total = runner->total();
                pending->processed = runner->processed();
                pending->finished = runner->finished();
                for (const BatchModel& model : runner->plan().models)
                    pending->exemplars[model.spec.id] = runner->exemplars(model.spec.id);
                // A chunk cut short by a cancel wrote its records without returning them: read them back.
                if (Expected<RecordsRead> read = readRecords(outDir)) {
                    for (BatchRecord& record : latestRecords(std::move(read->records)))
                        if (!pending->known.contains(record.key())) {
                            if (!record.path.isEmpty())
                                record.thumbnail = readThumbnail(record.path, QSize(kThumbnailSize, kThumbnailSize));
                            pending->records.push_back(std::move(record));
                        }
                }
                if (!outcome) {
                    pending->error = outcome.error();
                    return outcome.error();
                }
                pending->outcome = std::move(outcome.value());
                return doneMarker();
            };
            break;
    }
    mTask = task;
    mPending = pending;
    mJob = mJobs->submitBatch(std::move(work), label);
}

// ------------------------------------------------------------------------------------------------ results

void BatchSession::appendRecords(std::vector<BatchRecord> records)
{
    if (records.empty())
        return;
    const int first = int(mRecords.size());
    for (BatchRecord& record : records) {
        mKeys.insert(record.key());
        mRecords.push_back(std::move(record));
    }
    Q_EMIT recordsAdded(first, int(mRecords.size()) - first);
}

void BatchSession::takeSnapshot(const Pending& pending)
{
    mTotal = pending.total;
    mProcessed = pending.processed;
    for (const auto& [model, exemplars] : pending.exemplars)
        mExemplars[model] = exemplars;
}

void BatchSession::onJobFinished(JobId id, const JobOutcome& outcome)
{
    if (id == 0 || id != mJob)
        return;
    const std::shared_ptr<Pending> pending = std::move(mPending);
    const Task task = mTask;
    mJob = 0;
    // Cancelled from outside (the window's "Cancel All Jobs"): the same as cancel().
    if (outcome.state == JobState::Cancelled && !mCancelRequested && task != Task::Finish) {
        mCancelRequested = true;
        setState(State::Finishing);
    }
    const bool cancelled = mCancelRequested;
    const bool cancelError = pending->error && pending->error->kind == ErrorKind::Cancelled;

    auto fail = [this](const Error& error) {
        mError = QString::fromStdString(error.message);
        setState(State::Failed);
        Q_EMIT failed(mError);
    };

    switch (task) {
        case Task::Prepare:
            if (!pending->ran || cancelError) {
                scheduleFinish();  // not prepared: ends Cancelled at once
                return;
            }
            if (pending->error) {
                fail(*pending->error);
                return;
            }
            mPrepared = true;
            mProblems = pending->problems;
            takeSnapshot(*pending);
            mProcessedAtStart = mProcessed;
            appendRecords(std::move(pending->records));
            Q_EMIT prepared(mTotal, mProcessed);
            Q_EMIT progressChanged(mProcessed, mTotal);
            if (cancelled || pending->finished) {
                scheduleFinish();
                return;
            }
            if (mState == State::Preparing)
                setState(State::Running);
            if (mState == State::Running)
                scheduleStep();
            return;

        case Task::Step:
            if (pending->ran) {
                takeSnapshot(*pending);
                mStepSeconds += pending->seconds;
                appendRecords(std::move(pending->records));
                Q_EMIT progressChanged(mProcessed, mTotal);
            }
            if (pending->error && !cancelError && !cancelled) {
                fail(*pending->error);
                return;
            }
            if (cancelled || (pending->ran && pending->finished)) {
                scheduleFinish();
                return;
            }
            if (mState == State::Running)
                scheduleStep();
            return;

        case Task::Finish:
            if (pending->ran) {
                takeSnapshot(*pending);
                appendRecords(std::move(pending->records));
                Q_EMIT progressChanged(mProcessed, mTotal);
            }
            if (pending->error && !cancelError) {
                fail(*pending->error);
                return;
            }
            mOutcome = pending->outcome;
            setState(cancelled || !pending->ran ? State::Cancelled : State::Done);
            Q_EMIT finished(mOutcome);
            return;
    }
}

// ------------------------------------------------------------------------------------------------ figures

double BatchSession::imagesPerSecond() const
{
    const int done = mProcessed - mProcessedAtStart;
    return done > 0 && mStepSeconds > 0.0 ? done / mStepSeconds : 0.0;
}

double BatchSession::etaSeconds() const
{
    const double rate = imagesPerSecond();
    if (rate <= 0.0)
        return -1.0;
    return std::max(0, mTotal - mProcessed) / rate;
}

std::vector<ModelAccuracy> BatchSession::accuracy() const
{
    return computeAccuracy(latestRecords(mRecords));
}

std::vector<Disagreement> BatchSession::disagreements() const
{
    return findDisagreements(latestRecords(mRecords));
}

ChannelExemplars BatchSession::exemplars(const std::string& modelId) const
{
    const auto it = mExemplars.find(modelId);
    return it == mExemplars.end() ? ChannelExemplars() : it->second;
}

}  // namespace convlens
