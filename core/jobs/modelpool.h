#pragma once
// ModelPool<Model>: the most recently used loaded models (Analyzer, Predictor, ...), bounded by count, so
// switching back to a model does not reload its weights. Generic over the model type so core/jobs does not
// depend on torch.
//
// Key: whatever identifies a loaded model; include the weights identity (CacheKey::identifyWeights) so a
// replaced checkpoint is reloaded.
// Ownership: models are shared; an evicted model lives on while a caller still holds it.
// Threads: any thread. The factory runs under the pool's lock, so loads are serialised (one at a time, like
// inference) and a model is never loaded twice concurrently. A failed load is not cached: the next acquire
// retries, and the error is returned as is.

#include "core/common/expected.h"

#include <QMutex>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <utility>

namespace convlens {

template <typename Model>
class ModelPool {
public:
    using ModelPtr = std::shared_ptr<Model>;
    using Factory = std::function<Expected<ModelPtr>()>;

    explicit ModelPool(int capacity = 2) : mCapacity(capacity < 1 ? 1 : capacity) {}

    // The model under `key`, loaded with `factory` when absent (then evicting the least recently used ones).
    Expected<ModelPtr> acquire(const std::string& key, const Factory& factory)
    {
        QMutexLocker lock(&mMutex);
        for (auto it = mEntries.begin(); it != mEntries.end(); ++it) {
            if (it->first == key) {
                mEntries.splice(mEntries.begin(), mEntries, it);
                ++mHits;
                return mEntries.front().second;
            }
        }
        ++mLoads;
        Expected<ModelPtr> loaded = [&]() -> Expected<ModelPtr> {
            try {
                return factory();
            } catch (const std::exception& e) {
                return makeError("loading " + key + " failed: " + e.what());
            }
        }();
        if (!loaded)
            return loaded;
        if (!loaded.value())
            return makeError("loading " + key + " produced no model (internal error)");
        mEntries.emplace_front(key, loaded.value());
        trimLocked();
        return loaded;
    }

    void setCapacity(int capacity)
    {
        QMutexLocker lock(&mMutex);
        mCapacity = capacity < 1 ? 1 : capacity;
        trimLocked();
    }
    void clear()
    {
        QMutexLocker lock(&mMutex);
        mEntries.clear();
    }
    bool contains(const std::string& key) const
    {
        QMutexLocker lock(&mMutex);
        for (const auto& entry : mEntries)
            if (entry.first == key)
                return true;
        return false;
    }
    int size() const
    {
        QMutexLocker lock(&mMutex);
        return static_cast<int>(mEntries.size());
    }
    long long loads() const
    {
        QMutexLocker lock(&mMutex);
        return mLoads;
    }
    long long hits() const
    {
        QMutexLocker lock(&mMutex);
        return mHits;
    }

private:
    void trimLocked()
    {
        while (static_cast<int>(mEntries.size()) > mCapacity)
            mEntries.pop_back();
    }

    mutable QMutex mMutex;
    int mCapacity;
    std::list<std::pair<std::string, ModelPtr>> mEntries;  // most recent first
    long long mLoads = 0;
    long long mHits = 0;
};

}  // namespace convlens
