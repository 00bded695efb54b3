#include "core/jobs/jobcontext.h"

#include <algorithm>
#include <cmath>

namespace convlens {

JobContext::JobContext(QPromise<JobOutcome>& promise, std::shared_ptr<std::atomic<bool>> cancelFlag,
                       std::function<void(ResultPtr)> partialSink)
    : mPromise(promise), mCancel(std::move(cancelFlag)), mPartialSink(std::move(partialSink))
{
    mPromise.setProgressRange(0, kProgressSteps);
}

bool JobContext::isCancelled() const
{
    return mCancel->load(std::memory_order_relaxed) || mPromise.isCanceled();
}

void JobContext::setProgress(double fraction, const std::string& stage)
{
    int value = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * kProgressSteps));
    if (value <= mLastValue) {
        // QFutureInterface drops values that do not increase; a new stage still gets through by one step.
        if (stage == mLastStage || mLastValue >= kProgressSteps)
            return;
        value = mLastValue + 1;
    }
    mLastValue = value;
    mLastStage = stage;
    mPromise.setProgressValueAndText(value, QString::fromStdString(stage));
}

void JobContext::deliverPartial(ResultPtr soFar)
{
    if (mPartialSink && soFar && !isCancelled())
        mPartialSink(std::move(soFar));
}

std::function<void(double, const std::string&)> JobContext::progressCallback()
{
    return [this](double fraction, const std::string& stage) { setProgress(fraction, stage); };
}

}  // namespace convlens
