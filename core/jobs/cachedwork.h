#pragma once
// cachedWork: wraps a JobWork so that a cached result is delivered at once and a freshly computed one is stored.
//
// The lookup and the store run inside the job, on the worker thread (they may read and write cache files).
// A result computed by a job that was cancelled meanwhile is not stored (it may be partial). The cache is
// shared so it outlives every job that uses it.

#include "core/jobs/cachekey.h"
#include "core/jobs/job.h"
#include "core/jobs/jobcontext.h"
#include "core/jobs/resultcache.h"

#include <memory>
#include <utility>

namespace convlens {

inline JobWork cachedWork(std::shared_ptr<ResultCache> cache, CacheKey key, JobWork work)
{
    return [cache = std::move(cache), key = std::move(key),
            work = std::move(work)](JobContext& context) -> Expected<ResultPtr> {
        if (cache) {
            if (ResultPtr hit = cache->find(key)) {
                context.setProgress(1.0, "cached");
                return hit;
            }
        }
        Expected<ResultPtr> result = work(context);
        if (cache && result && result.value() && !context.isCancelled())
            cache->store(key, result.value());
        return result;
    };
}

}  // namespace convlens
