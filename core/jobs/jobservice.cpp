#include "core/jobs/jobservice.h"

#include "core/common/handover.h"
#include "core/jobs/jobcontext.h"

#include <QCoreApplication>
#include <QEvent>
#include <QFutureWatcher>
#include <QPromise>

#include <algorithm>
#include <exception>

namespace convlens {

namespace {

constexpr std::size_t kRememberedFinalStates = 4096;

QString withLabel(const QString& label, const QString& message)
{
    return label.isEmpty() ? message : label + QStringLiteral(": ") + message;
}

// Runs on the worker thread. Everything the work can throw is caught here: a job fails, the program does not.
void runWork(QPromise<JobOutcome>& promise, const JobWork& work, std::shared_ptr<std::atomic<bool>> cancelFlag,
             const QString& label, const std::function<void(ResultPtr)>& partialSink)
{
    JobContext context(promise, cancelFlag, partialSink);
    JobOutcome outcome;
    if (context.isCancelled()) {
        outcome.state = JobState::Cancelled;
        promise.addResult(outcome);
        return;
    }
    try {
        Expected<ResultPtr> result = work(context);
        if (!result) {
            outcome.state = result.kind() == ErrorKind::Cancelled ? JobState::Cancelled : JobState::Failed;
            outcome.errorKind = result.kind();
            outcome.error = withLabel(label, QString::fromStdString(result.message()));
        } else if (!result.value()) {
            outcome.error = withLabel(label, QStringLiteral("the analysis returned no result (internal error)"));
        } else {
            outcome.state = JobState::Succeeded;
            outcome.result = std::move(result).value();
        }
    } catch (const std::exception& e) {
        outcome.error = withLabel(label, QStringLiteral("internal error: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        outcome.error = withLabel(label, QStringLiteral("internal error: unknown exception"));
    }
    if (context.isCancelled())
        outcome = JobOutcome{JobState::Cancelled, nullptr, {}, ErrorKind::Cancelled};
    promise.addResult(outcome);  // ignored by Qt once the future is cancelled; onWorkFinished handles that
}

// A partial result crossing from the worker: an event the worker allocates and fills before it states the
// hand-over (handover.h), which JobService::event() receives before reading it. (A queued functor would be
// allocated inside QMetaObject::invokeMethod, after any edge the worker could state.)
class PartialEvent final : public QEvent {
public:
    PartialEvent(JobId id, ResultPtr soFar) : QEvent(kind()), id(id), soFar(std::move(soFar)) {}
    static QEvent::Type kind()
    {
        static const auto type = static_cast<QEvent::Type>(QEvent::registerEventType());
        return type;
    }
    const JobId id;
    const ResultPtr soFar;
};

// The key under which a job's worker sends its outcome (received in onWorkFinished): the job's cancel flag, which
// lives as long as either side holds it.
const void* outcomeKey(const std::shared_ptr<std::atomic<bool>>& cancelFlag)
{
    return cancelFlag.get();
}

}  // namespace

JobService::JobService(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<convlens::JobState>();
    qRegisterMetaType<convlens::JobOutcome>();
    qRegisterMetaType<convlens::ResultPtr>();
    mPool.setMaxThreadCount(1);
    mPool.setObjectName(QStringLiteral("convlens-inference"));
}

JobService::~JobService()
{
    shutdown();
}

JobId JobService::submitInteractive(const QString& view, JobWork work, const QString& label)
{
    // Latest wins: everything still pending for this view is superseded.
    std::vector<JobId> superseded;
    for (auto& [id, job] : mJobs) {
        if (job.view == view && !job.view.isEmpty())
            superseded.push_back(id);
    }
    for (JobId id : superseded)
        cancel(id);
    return enqueue(view.isEmpty() ? QStringLiteral("default") : view, std::move(work), label);
}

JobId JobService::submitBatch(JobWork work, const QString& label)
{
    return enqueue(QString(), std::move(work), label);
}

JobId JobService::enqueue(const QString& view, JobWork work, const QString& label)
{
    const JobId id = mNextId++;
    Job& job = mJobs[id];
    job.id = id;
    job.view = view;
    job.label = label;
    job.work = std::move(work);
    post([this, id] { Q_EMIT jobStateChanged(id, JobState::Queued); });
    if (mShutdown || !job.work) {
        finish(id,
               JobOutcome{mShutdown ? JobState::Cancelled : JobState::Failed, nullptr,
                          mShutdown ? QString() : withLabel(label, QStringLiteral("no work to run (internal error)")),
                          mShutdown ? ErrorKind::Cancelled : ErrorKind::Internal});
        return id;
    }
    (view.isEmpty() ? mBatchQueue : mInteractiveQueue).push_back(id);
    startNext();
    return id;
}

bool JobService::cancel(JobId id)
{
    const auto it = mJobs.find(id);
    if (it == mJobs.end())
        return false;
    Job& job = it->second;
    if (job.state == JobState::Queued) {
        std::erase(mInteractiveQueue, id);
        std::erase(mBatchQueue, id);
        finish(id, JobOutcome{JobState::Cancelled, nullptr, {}, ErrorKind::Cancelled});
    } else {
        requestCancel(job);
    }
    return true;
}

void JobService::cancelAll()
{
    std::vector<JobId> ids;
    for (const auto& [id, job] : mJobs)
        ids.push_back(id);
    for (JobId id : ids)
        cancel(id);
}

std::optional<JobState> JobService::state(JobId id) const
{
    if (const auto it = mJobs.find(id); it != mJobs.end())
        return it->second.state;
    if (const auto it = mFinalStates.find(id); it != mFinalStates.end())
        return it->second;
    return std::nullopt;
}

double JobService::progress(JobId id) const
{
    const auto it = mJobs.find(id);
    if (it != mJobs.end())
        return it->second.progress;
    const auto final = mFinalStates.find(id);
    return final != mFinalStates.end() && final->second == JobState::Succeeded ? 1.0 : 0.0;
}

QString JobService::stage(JobId id) const
{
    const auto it = mJobs.find(id);
    return it != mJobs.end() ? it->second.stage : QString();
}

int JobService::activeCount() const
{
    return static_cast<int>(mJobs.size());
}

void JobService::shutdown()
{
    mShutdown = true;
    cancelAll();
    mPool.waitForDone();
    // Whatever the last work function touched is ours again (its outcome key may be gone with its job).
    handover::received(handover::poolKey(mPool));
}

void JobService::startNext()
{
    if (mRunning != 0)
        return;
    std::deque<JobId>& queue = !mInteractiveQueue.empty() ? mInteractiveQueue : mBatchQueue;
    if (queue.empty())
        return;
    const JobId id = queue.front();
    queue.pop_front();
    Job& job = mJobs.at(id);
    job.state = JobState::Running;
    mRunning = id;
    post([this, id] { Q_EMIT jobStateChanged(id, JobState::Running); });

    job.watcher = new QFutureWatcher<JobOutcome>(this);
    connect(job.watcher, &QFutureWatcherBase::progressValueChanged, this,
            [this, id](int value) { onProgress(id, value); });
    // The work function is copied into the task so the job record can be dropped independently.
    // Partial results are posted, so they arrive before the watcher's finished signal, which the work's return posts later.
    PartialEvent::kind();  // registered here, not first on the worker
    std::function<void(ResultPtr)> partialSink = [this, id](ResultPtr soFar) {
        auto* event = new PartialEvent(id, std::move(soFar));
        handover::sent(this);
        QCoreApplication::postEvent(this, event);
    };
    auto promise = std::make_shared<QPromise<JobOutcome>>();
    job.future = promise->future();
    promise->start();
    // The finished slot keeps a reference to the promise until the watcher is deleted (after the outcome was read):
    // whichever thread drops the promise last, and with it the result store, is then ordered by the shared_ptr's
    // count, which TSan sees (Qt's own reference counts it does not; core/common/handover.h).
    connect(job.watcher, &QFutureWatcherBase::finished, this, [this, id, keep = promise] { onWorkFinished(id); });
    job.watcher->setFuture(job.future);
    handover::start(mPool, [promise, work = job.work, cancelFlag = job.cancelFlag, label = job.label,
                            partialSink = std::move(partialSink)] {
        if (!promise->isCanceled())
            runWork(*promise, work, cancelFlag, label, partialSink);
        handover::sent(outcomeKey(cancelFlag));
        promise->finish();
    });
}

bool JobService::event(QEvent* event)
{
    // Before the event is read at all (its type included): a worker made it (handover::sent in the partial sink).
    handover::received(this);
    if (event->type() == PartialEvent::kind()) {
        const auto* partial = static_cast<const PartialEvent*>(event);
        onPartial(partial->id, partial->soFar);
        return true;
    }
    return QObject::event(event);
}

void JobService::onProgress(JobId id, int value)
{
    const auto it = mJobs.find(id);
    if (it == mJobs.end() || it->second.cancelFlag->load())
        return;
    Job& job = it->second;
    const double fraction = static_cast<double>(value) / JobContext::kProgressSteps;
    if (fraction <= job.progress)
        return;
    job.progress = fraction;
    job.stage = job.watcher ? job.watcher->progressText() : QString();
    post([this, id, fraction, stage = job.stage] { Q_EMIT jobProgress(id, fraction, stage); });
}

void JobService::onPartial(JobId id, const ResultPtr& soFar)
{
    const auto it = mJobs.find(id);
    if (it == mJobs.end() || it->second.cancelFlag->load())
        return;
    post([this, id, soFar] { Q_EMIT jobPartialResult(id, soFar); });
}

void JobService::onWorkFinished(JobId id)
{
    const auto it = mJobs.find(id);
    if (it == mJobs.end())
        return;
    Job& job = it->second;
    handover::received(outcomeKey(job.cancelFlag));
    JobOutcome outcome;
    if (job.cancelFlag->load() || job.future.isCanceled()) {
        outcome.state = JobState::Cancelled;
        outcome.errorKind = ErrorKind::Cancelled;
    } else if (job.future.resultCount() > 0) {
        outcome = job.future.resultAt(0);
    } else {
        outcome.error = withLabel(job.label, QStringLiteral("the analysis ended without a result (internal error)"));
    }
    if (outcome.state == JobState::Succeeded && job.progress < 1.0) {
        const QString stage = job.stage;
        post([this, id, stage] { Q_EMIT jobProgress(id, 1.0, stage); });
    }
    if (mRunning == id)
        mRunning = 0;
    finish(id, std::move(outcome));
    startNext();
}

void JobService::finish(JobId id, JobOutcome outcome)
{
    const auto it = mJobs.find(id);
    if (it == mJobs.end())
        return;
    if (it->second.watcher)
        it->second.watcher->deleteLater();
    mJobs.erase(it);
    const JobState state = outcome.state;
    mFinalStates[id] = state;
    while (mFinalStates.size() > kRememberedFinalStates)
        mFinalStates.erase(mFinalStates.begin());
    post([this, id, state, outcome = std::move(outcome)] {
        Q_EMIT jobStateChanged(id, state);
        Q_EMIT jobFinished(id, outcome);
    });
}

void JobService::requestCancel(Job& job)
{
    job.cancelFlag->store(true);
    job.future.cancel();
}

void JobService::post(std::function<void()> emitter)
{
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

}  // namespace convlens
