#pragma once
// LibTorch intra-op threading. OpenMP keeps the thread count per thread (omp_set_num_threads changes only the
// calling thread's setting) and Debian's OpenMP defaults to one thread, so the count is one process-wide setting
// that every inference applies on the thread it runs on (the JobService's pool threads, the command line's main
// thread, a test's std::thread).
//
// Threads: every function may be called from any thread; the setting is an atomic. Failure: none.

namespace convlens {

// Sets the intra-op thread count of every inference from now on; `count` <= 0 means all cores. Applies it on the
// calling thread at once; other threads take it at the start of their next inference (applyInferenceThreads()).
// Returns the count set.
int setInferenceThreads(int count);

// The count set by setInferenceThreads(); until it is called, the calling thread's count.
int inferenceThreads();

// Makes the calling thread use the count set by setInferenceThreads() (at::set_num_threads when the thread's own
// count differs; nothing until a count is set). Every inference entry point (Predictor::predict,
// Analyzer::analyze, AnalysisEngine::run, describeNetwork) calls it first. Returns the count now in effect on the
// calling thread.
int applyInferenceThreads();

}  // namespace convlens
