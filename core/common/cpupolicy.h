#pragma once
// How ConvLens shares the CPU: inference first, its own background work (decoding ahead, thumbnails, report
// pages) behind it, and no spinning threads that burn a core another process needs.
//
// OpenMP's wait policy. LibTorch's intra-op threads are libgomp's, which by default spin for a while after each
// parallel region before they sleep. On a quiet machine that saves a wake-up; beside any other busy process (a
// build, a second model, our own decoder threads) the spinning threads take the cores the working ones need: a
// 2-thread ResNet-18 forward measured here went from 47 ms to 215 ms at a load average of 3.5, and to 79 ms with
// the passive policy (tests/bench/RESULTS.md). libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it is
// loaded, before main(); so a program that wants another policy than its environment gives must set the variable
// and execute itself again.
//
// Threads: applyWaitPolicy() first thing in main(), before any thread exists; runInBackground() on the thread it
// concerns. Failure: neither fails; a re-execution that cannot happen leaves the policy as it was.

namespace convlens {

// The policy a ConvLens process sets when its environment names none: "passive" (threads sleep as soon as they
// wait). A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT is kept as it is.
inline constexpr const char* kWaitPolicy = "passive";

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, sets OMP_WAIT_POLICY=kWaitPolicy and, when libgomp is
// already loaded (a program linking LibTorch), executes this program again with the same arguments (once: the
// variable is then set). A program without LibTorch only passes the variable on to the programs it starts.
// Returns when nothing was to be done, nothing more is needed, or the re-execution failed.
void applyWaitPolicy(char** argv);

// Lowers the calling thread's CPU priority (nice +10 on Linux), so that it runs on the cores inference leaves
// idle: for threads that decode ahead, make thumbnails or write reports. Idempotent.
void runInBackground();

}  // namespace convlens
