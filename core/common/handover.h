#pragma once
// Handing work to a thread pool and results back, so that ThreadSanitizer sees each hand-over.
//
// Qt's own hand-overs (QThreadPool giving a task to a worker, QFutureInterface giving its result back, a queued
// call crossing to the receiver's thread) synchronise through futexes and atomics inside libQt6Core. Debian's Qt
// is not built with TSan, so it sees none of them and reports the worker's first read of every task as a race
// (docs/FUZZING.md, "ThreadSanitizer"). The functions here are the same hand-overs with the happens-before edge
// stated where TSan can see it: ConvLens's own threads go through them.
//
// - start(pool, fn): runs fn on the pool; everything the caller did before happens-before fn.
// - run(pool, fn): the same, fn's value in the returned Pending's future; read it with resultOf(future) (or wait
//   with waitFor(future)): what fn did happens-before what follows. Keep the Pending while using the result.
// - poolKey(pool): received after pool.waitForDone(), what every task did happens-before what follows.
// - sent(key) / received(key): the edge for any other hand-over (a queued call from a worker): what a thread did
//   before sent(key) happens-before what another does after a later received(key) on the same key.
//
// Without TSan sent/received compile to nothing and start/run are QThreadPool::start with a QPromise, as
// QtConcurrent::run does.

#include <QFuture>
#include <QPromise>
#include <QThreadPool>

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define CONVLENS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONVLENS_TSAN 1
#endif
#endif

#ifdef CONVLENS_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace convlens::handover {

inline void sent(const void* key)
{
#ifdef CONVLENS_TSAN
    __tsan_release(const_cast<void*>(key));
#else
    (void)key;
#endif
}

inline void received(const void* key)
{
#ifdef CONVLENS_TSAN
    __tsan_acquire(const_cast<void*>(key));
#else
    (void)key;
#endif
}

// The key under which run()'s workers send their results.
const void* resultsKey();

// The key under which every task of `pool` sends when it is done (its captures destroyed): received after
// QThreadPool::waitForDone, what the tasks did happens-before what follows.
inline const void* poolKey(const QThreadPool& pool)
{
    return &pool;
}

// Runs `fn` on `pool` (autodeleted task). `fn` must not throw.
void start(QThreadPool& pool, std::function<void()> fn);

// A task's future, and the task's promise: the promise's last reference, and with it possibly the future's shared
// state and its result, is dropped by whichever side lets go last, ordered by std::shared_ptr's count, which TSan
// sees (QFutureInterface's own count lives in libQt6Core). Keep it while the future or its result is in use.
template <typename T>
struct Pending {
    QFuture<T> future;
    std::shared_ptr<const void> keep;
};

template <typename T>
Pending<T> run(QThreadPool& pool, std::function<T()> fn)
{
    auto promise = std::make_shared<QPromise<T>>();
    Pending<T> pending{promise->future(), promise};
    promise->start();
    start(pool, [promise, fn = std::move(fn)] {
        if (!promise->isCanceled()) {
            try {
                if constexpr (std::is_void_v<T>)
                    fn();
                else
                    promise->addResult(fn());
            } catch (...) {
                promise->setException(std::current_exception());
            }
        }
        sent(resultsKey());
        promise->finish();
    });
    return pending;
}

// Waits for a task from run() to finish; what its function did happens-before what follows.
template <typename T>
void waitFor(QFuture<T> future)
{
    future.waitForFinished();
    received(resultsKey());
}

// The result of a task from run(), waiting for it when it has not finished.
template <typename T>
T resultOf(QFuture<T> future)
{
    waitFor(future);
    return future.result();
}

}  // namespace convlens::handover
