#include "core/common/handover.h"

#include <QRunnable>

namespace convlens::handover {

namespace {

// The task: Qt reads nothing of ours before run(), whose first act takes the submitter's edge.
class Task final : public QRunnable {
public:
    Task(std::function<void()> fn, const void* doneKey) : mFn(std::move(fn)), mDoneKey(doneKey)
    {
        setAutoDelete(true);
    }
    // Qt deletes the task on the worker after run(), before the pool counts it as done.
    ~Task() override
    {
        mFn = nullptr;
        sent(mDoneKey);
    }
    void run() override
    {
        received(this);
        mFn();
    }

private:
    std::function<void()> mFn;
    const void* mDoneKey;
};

const char gResultsKey = 0;

}  // namespace

const void* resultsKey()
{
    return &gResultsKey;
}

void start(QThreadPool& pool, std::function<void()> fn)
{
    auto* task = new Task(std::move(fn), poolKey(pool));
    sent(task);
    pool.start(task);
}

}  // namespace convlens::handover
