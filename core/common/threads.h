#pragma once
// LibTorch intra-op threading. OpenMP keeps the thread count per thread (omp_set_num_threads changes only the
// calling thread's setting) and Debian's OpenMP defaults to one thread, so the count is one process-wide setting
// that every inference applies on the thread it runs on (the JobService's pool threads, the command line's main
// thread, a test's std::thread).
//
// Threads: every function may be called from any thread; the setting is an atomic. Failure: none.

namespace convlens {

// Sets the intra-op thread count of every inference from now on. `count` <= 0 is automatic: the cores this process
// may use, less the cores other programs keep busy (core/common/cpuload.h), chosen again at the start of each
// inference, at least one; or OMP_NUM_THREADS when that is set (a user's or a cluster job's own choice). Applies it
// on the calling thread at once; other threads take it at the start of their next inference
// (applyInferenceThreads()). Returns the count set (automatic: the cores this process may use).
int setInferenceThreads(int count);

// Whether the count is automatic (setInferenceThreads(0)).
bool inferenceThreadsAutomatic();

// The count set by setInferenceThreads() (automatic: the count the last inference chose, all cores before the
// first); until it is called, the calling thread's count.
int inferenceThreads();

// Makes the calling thread use the count set by setInferenceThreads(), or its ThisThreadInferenceThreads count
// (at::set_num_threads when the thread's own count differs; nothing until a count is set); an automatic count is
// chosen here, from the load other programs put on the cores since the last inference. Every inference entry point
// (Predictor::predict, Analyzer::analyze, AnalysisEngine::run, describeNetwork) calls it first. Returns the count now
// in effect on the calling thread.
int applyInferenceThreads();

// For the calling thread, while the object lives: every inference on it uses `count` intra-op threads (count > 0)
// instead of the process-wide setting. For threads that run forward passes side by side, each on a share of the
// cores (a folder batch's streams, core/batch/batchrunner.cpp). Scopes nest; the destructor restores the previous
// state. Create and destroy on the same thread.
class ThisThreadInferenceThreads {
public:
    explicit ThisThreadInferenceThreads(int count);
    ~ThisThreadInferenceThreads();
    ThisThreadInferenceThreads(const ThisThreadInferenceThreads&) = delete;
    ThisThreadInferenceThreads& operator=(const ThisThreadInferenceThreads&) = delete;

private:
    int mPrevious;
};

}  // namespace convlens
