#pragma once
// Plain job types shared by JobService, JobContext and the UI: ids, states, the outcome a finished job delivers,
// and the work function signature. Torch-free.

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"

#include <QMetaType>
#include <QString>

#include <functional>
#include <memory>

namespace convlens {

class JobContext;

using JobId = quint64;  // 0 is never a valid id
using ResultPtr = std::shared_ptr<const AnalysisResult>;

enum class JobState {
    Queued,     // waiting for the inference worker
    Running,    // its work function is executing (a cancel was maybe requested and not yet noticed)
    Succeeded,  // final: a result was delivered
    Failed,     // final: an error message was delivered
    Cancelled,  // final: cancelled or superseded; no result is delivered even if the work produced one
};

inline bool isFinal(JobState state)
{
    return state == JobState::Succeeded || state == JobState::Failed || state == JobState::Cancelled;
}

// What jobFinished carries: exactly one of result (Succeeded) or error (Failed); neither for Cancelled.
// errorKind says what failed (Cancelled for a cancelled job); it means nothing for a Succeeded one.
struct JobOutcome {
    JobState state = JobState::Failed;
    ResultPtr result;
    QString error;
    ErrorKind errorKind = ErrorKind::Internal;
};

// Runs on the inference worker thread. Return a result, or an Error whose message a person can act on.
// Check context.isCancelled() between steps (blocks, Score-CAM batches) and return early when it is true;
// what is returned after a cancel is discarded. Exceptions are caught and turn the job into Failed.
using JobWork = std::function<Expected<ResultPtr>(JobContext&)>;

}  // namespace convlens

Q_DECLARE_METATYPE(convlens::JobState)
Q_DECLARE_METATYPE(convlens::JobOutcome)
Q_DECLARE_METATYPE(convlens::ResultPtr)
