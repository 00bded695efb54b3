#pragma once
// parallelFor: at::parallel_for (chunks of [begin, end) on the intra-op threads, at least `grain` items each, the
// calling thread among them), with the hand-overs to and from OpenMP's threads stated for ThreadSanitizer (libgomp
// is not instrumented; core/common/handover.h). Engine code only (LibTorch headers); the engine is compiled with
// OpenMP, without which at::parallel_for runs everything on the calling thread.
//
// Threads: what the caller did before happens-before every chunk; what every chunk did happens-before what follows
// the call. An exception thrown in a chunk is rethrown to the caller once all chunks have ended.

#include "core/common/handover.h"

#include <ATen/Parallel.h>

#include <cstdint>

namespace convlens {

template <typename F>
void parallelFor(int64_t begin, int64_t end, int64_t grain, const F& f)
{
    const char key = 0;
    handover::sent(&key);
    at::parallel_for(begin, end, grain, [&](int64_t from, int64_t to) {
        handover::received(&key);
        f(from, to);
        handover::sent(&key);
    });
    handover::received(&key);
}

}  // namespace convlens
