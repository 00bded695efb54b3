#pragma once
// JobContext: what a running work function sees of its job: whether it was cancelled, and a way to report
// progress. Created by JobService on the worker thread for the duration of one work function call; do not keep
// it beyond that call.
//
// Threads: used from the worker thread that runs the work; the cancel flag is set from the GUI thread.

#include "core/jobs/job.h"

#include <QPromise>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace convlens {

class JobContext {
public:
    // `partialSink` (may be empty) receives deliverPartial()'s results on this thread.
    JobContext(QPromise<JobOutcome>& promise, std::shared_ptr<std::atomic<bool>> cancelFlag,
               std::function<void(ResultPtr)> partialSink = {});

    // True once the job was cancelled or superseded (QPromise::isCanceled or the shared flag).
    bool isCancelled() const;

    // The flag JobService sets on cancel, for APIs that poll an atomic (Analyzer::analyze). Valid for the call.
    const std::atomic<bool>* cancelFlag() const { return mCancel.get(); }

    // Reports progress in [0, 1] with a stage label ("forward", "Score-CAM 3/16"). Fractions are kept
    // monotonic: a lower fraction than before only updates the stage. Delivered to the GUI thread at most
    // ~25 times a second (QFutureWatcher's throttle); the latest value always wins.
    void setProgress(double fraction, const std::string& stage);

    // setProgress as a callback, for APIs that take one (Analyzer::analyze).
    std::function<void(double, const std::string&)> progressCallback();

    // A result so far, before the work returns its complete one: JobService announces it as jobPartialResult
    // unless the job was cancelled meanwhile. Ignored when the job has no sink, or for a null result.
    void deliverPartial(ResultPtr soFar);

    static constexpr int kProgressSteps = 1000;

private:
    QPromise<JobOutcome>& mPromise;
    std::shared_ptr<std::atomic<bool>> mCancel;
    std::function<void(ResultPtr)> mPartialSink;
    int mLastValue = 0;
    std::string mLastStage;
};

}  // namespace convlens
