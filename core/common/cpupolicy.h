#pragma once
// How ConvLens shares the CPU: inference first, its own background work (decoding ahead, thumbnails, report
// pages) behind it, and no spinning threads that burn a core another process needs.
//
// OpenMP's wait policy. LibTorch's intra-op threads are libgomp's, which by default spin for a while after each
// parallel region before they sleep. On a quiet machine that saves a wake-up; beside any other busy process (a
// build, a second model, our own decoder threads) the spinning threads take the cores the working ones need: a
// 2-thread ResNet-18 forward measured here went from 47 ms to 215 ms at a load average of 3.5, and to 79 ms with the
// passive policy. Sleeping at once costs a wake-up per operator on a quiet machine instead (ResNet-18 29 ms against
// 23 ms spinning). A short spin keeps most of both: how long an iteration takes is the CPU's (x86's pause is a few
// cycles on one machine, ~140 on another), so 1000 iterations were enough on one VM (AMD) and not on another
// (Intel: ResNet-18 29.7 ms; 3000: 23.8 ms; 10 000: 22.9 ms), and 3000 it is. Beside a busy program the automatic
// thread count (threads.h) runs inference on one thread fewer, which does not wait for others at all
// (tests/bench/RESULTS.md). libgomp reads
// OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it is loaded, before main(); so a program that wants another policy
// than its environment gives must set the variable and execute itself again.
//
// OpenBLAS (LibTorch's Linear layers) has worker threads of its own that, after each matrix product, call
// sched_yield() in a loop for about 2^28 cycles (0.1 s) before they sleep: on 2 cores that took a fifth of the CPU
// time of MobileNet V3 Large's analysis away from the OpenMP threads (perf: 20 % of the samples in sched_yield, 1.6 %
// in OpenBLAS's own kernels). OPENBLAS_THREAD_TIMEOUT=4 lets them sleep after 2^4 cycles; the process then needs
// about 30 % less CPU time for the same analyses (tests/bench/RESULTS.md). OpenBLAS, too, reads it when it is loaded.
//
// Threads: applyWaitPolicy() first thing in main(), before any thread exists; runInBackground() on the thread it
// concerns. Failure: neither fails; a re-execution that cannot happen leaves the policy as it was.

namespace convlens {

// The spin count a ConvLens process sets when its environment names no policy: a waiting thread spins about 3000
// times (tens to hundreds of microseconds) before it sleeps. A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT is kept as
// it is.
inline constexpr const char* kSpinCount = "3000";

// OpenBLAS's worker threads sleep after 2^kBlasThreadTimeout cycles of waiting. A user's OPENBLAS_THREAD_TIMEOUT is
// kept as it is.
inline constexpr const char* kBlasThreadTimeout = "4";

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, sets GOMP_SPINCOUNT=kSpinCount; when
// OPENBLAS_THREAD_TIMEOUT is not set, sets it to kBlasThreadTimeout. When it set either and libgomp is already
// loaded (a program linking LibTorch), executes this program again with the same arguments (once: the variables
// are then set). A program without LibTorch only passes the variables on to the programs it starts.
// Returns when nothing was to be done, nothing more is needed, or the re-execution failed.
void applyWaitPolicy(char** argv);

// glibc's allocator hands out every block over a threshold as a fresh mapping and unmaps it when it is freed
// (128 KiB at first, raised to the largest block freed so far up to 32 MiB), and gives the top of its heaps back to
// the system when more than twice that is free there. A forward pass allocates and frees each layer's output: each
// unmapped block and each trimmed heap is later faulted back in page by page, and with two forward passes side by
// side in one process (a batch's streams) every unmapping also interrupts the other thread's core to flush its
// TLB. Two one-thread MobileNet V3 Large passes classified 119 images/s with glibc's default and 133–140 with the
// thresholds fixed (tests/bench/RESULTS.md). The price: up to kTrimThresholdBytes of freed memory per heap stays
// with the process instead of going back to the system.
inline constexpr long kMmapThresholdBytes = 256L << 20;  // blocks from the heap up to this size
inline constexpr long kTrimThresholdBytes = 256L << 20;  // free memory kept at the top of a heap

// Fixes glibc's mmap and trim thresholds at the values above, unless the environment already sets the allocator's
// behaviour (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, or glibc.malloc tunables in
// GLIBC_TUNABLES). Call first thing in main(), before any thread exists. Elsewhere than glibc it does nothing.
void applyAllocatorPolicy();

// Lowers the calling thread's CPU priority (nice +10 on Linux), so that it runs on the cores inference leaves
// idle: for threads that decode ahead, make thumbnails or write reports. Idempotent.
void runInBackground();

// Puts the calling thread in Linux's idle scheduling class (SCHED_IDLE): it runs only on a core no other thread
// wants, and gives it up at once when an inference thread wakes, where a niced thread would still take a share
// and make both OpenMP threads wait at their next barrier. Only for work that whoever waits on it takes over when
// it needs it (the batch's decoding ahead, core/batch/batchrunner.cpp): beside busy programs an idle-class thread
// may not run at all. Elsewhere the same as runInBackground(). Idempotent.
void runOnlyWhenIdle();

}  // namespace convlens
