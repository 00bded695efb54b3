#pragma once
// ModelPool<Model>: the most recently used loaded models (Analyzer, Predictor, ...), so switching back to a model
// does not reload its weights. Bounded by count and, when given a cost function, by memory: after a load the least
// recently used models are dropped until the pool holds at most `capacity` models and at most `maxBytes` of cost.
// The most recently used model is always kept, even alone over the budget. Generic over the model type so
// core/jobs does not depend on torch.
//
// Key: whatever identifies a loaded model; include the weights identity (CacheKey::identifyWeights) so a
// replaced checkpoint is reloaded.
// Ownership: models are shared; an evicted model lives on while a caller still holds it (its memory is then not
// counted here any more).
// Threads: any thread. The factory and the cost function run under the pool's lock, so loads are serialised (one
// at a time, like inference) and a model is never loaded twice concurrently. A failed load is not cached: the
// next acquire retries, and the error is returned as is. The cost of a model is taken once, when it is loaded.

#include "core/common/expected.h"


#include <cstddef>
#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace convlens {

template <typename Model>
class ModelPool {
public:
    using ModelPtr = std::shared_ptr<Model>;
    using Factory = std::function<Expected<ModelPtr>()>;
    using Cost = std::function<std::size_t(const Model&)>;  // bytes a loaded model holds

    static constexpr std::size_t kUnlimitedBytes = std::numeric_limits<std::size_t>::max();
    static constexpr int kUnlimitedCount = std::numeric_limits<int>::max();

    // Bounded by count only.
    explicit ModelPool(int capacity = 2) : mCapacity(capacity < 1 ? 1 : capacity) {}

    // Bounded by memory (and optionally also by count): at most `maxBytes` of `cost` in the pool.
    ModelPool(std::size_t maxBytes, Cost cost, int capacity = kUnlimitedCount)
        : mCapacity(capacity < 1 ? 1 : capacity), mMaxBytes(maxBytes), mCost(std::move(cost))
    {
    }

    // The model under `key`, loaded with `factory` when absent (then evicting the least recently used ones).
    Expected<ModelPtr> acquire(const std::string& key, const Factory& factory)
    {
        std::lock_guard lock(mMutex);
        for (auto it = mEntries.begin(); it != mEntries.end(); ++it) {
            if (it->key == key) {
                mEntries.splice(mEntries.begin(), mEntries, it);
                ++mHits;
                return mEntries.front().model;
            }
        }
        ++mLoads;
        Expected<ModelPtr> loaded = [&]() -> Expected<ModelPtr> {
            try {
                return factory();
            } catch (const std::exception& e) {
                return makeError(ErrorKind::Internal, "loading " + key + " failed: " + e.what());
            }
        }();
        if (!loaded)
            return loaded;
        if (!loaded.value())
            return makeError(ErrorKind::Internal, "loading " + key + " produced no model (internal error)");
        std::size_t bytes = 0;
        if (mCost) {
            try {
                bytes = mCost(*loaded.value());
            } catch (const std::exception&) {
                bytes = 0;  // an uncountable model is kept by the count bound alone
            }
        }
        mEntries.push_front(Entry{key, loaded.value(), bytes});
        mBytes += bytes;
        trimLocked();
        return loaded;
    }

    // A new memory budget; takes effect at once (the most recently used model stays).
    void setMaxBytes(std::size_t maxBytes)
    {
        std::lock_guard lock(mMutex);
        mMaxBytes = maxBytes;
        trimLocked();
    }
    void clear()
    {
        std::lock_guard lock(mMutex);
        mEntries.clear();
        mBytes = 0;
    }
    bool contains(const std::string& key) const
    {
        std::lock_guard lock(mMutex);
        for (const auto& entry : mEntries)
            if (entry.key == key)
                return true;
        return false;
    }
    int size() const
    {
        std::lock_guard lock(mMutex);
        return static_cast<int>(mEntries.size());
    }
    // Sum of the cost of the models held (0 without a cost function).
    std::size_t bytes() const
    {
        std::lock_guard lock(mMutex);
        return mBytes;
    }
    std::size_t maxBytes() const
    {
        std::lock_guard lock(mMutex);
        return mMaxBytes;
    }
    long long loads() const
    {
        std::lock_guard lock(mMutex);
        return mLoads;
    }
    long long hits() const
    {
        std::lock_guard lock(mMutex);
        return mHits;
    }
    long long evictions() const
    {
        std::lock_guard lock(mMutex);
        return mEvictions;
    }

private:
    struct Entry {
        std::string key;
        ModelPtr model;
        std::size_t bytes = 0;
    };

    void trimLocked()
    {
        while (mEntries.size() > 1 && (static_cast<int>(mEntries.size()) > mCapacity || mBytes > mMaxBytes)) {
            mBytes -= mEntries.back().bytes;
            mEntries.pop_back();
            ++mEvictions;
        }
    }

    mutable std::mutex mMutex;
    int mCapacity;
    std::size_t mMaxBytes = kUnlimitedBytes;
    Cost mCost;
    std::list<Entry> mEntries;  // most recent first
    std::size_t mBytes = 0;
    long long mLoads = 0;
    long long mHits = 0;
    long long mEvictions = 0;
};

}  // namespace convlens
