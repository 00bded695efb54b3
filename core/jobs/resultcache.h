#pragma once
// ResultCache: analysis results keyed by CacheKey (image sha256 + model + weights identity + options key).
//
// In memory: least-recently-used, bounded by item count and by approximate bytes. Optionally on disk: one file
// per key under a directory, surviving restarts. A file is
//   magic "CLRC" (quint32) | file format version (quint32) | codec version (quint32) | full key (bytes) |
//   payload (bytes, resultcodec.h) | sha256(key + payload) (bytes)
// and is only used when every part checks out and the stored key equals the requested one. A corrupt, truncated
// or older-version file (or anything that is not a regular file of a sane size) is deleted and counted in
// Counters::diskErrors; the next store() rewrites it. Disk problems are never fatal: the cache then behaves as a
// miss. When the folder cannot be created or a file cannot be written (a full disk, a read-only folder), writing
// stops for the life of this cache (reading goes on) and diskProblem() says why, once per cache for whoever
// takes it (takeDiskProblem()), so the user hears it once, not per image. Two processes writing the same entry
// each replace the file atomically (QSaveFile); a reader sees one whole file or the other.
//
// Threads: every method may be called from any thread (one mutex guards the memory side and the counters; disk
// reads/writes run outside it and are atomic per file via QSaveFile). find() and store() do file I/O when the
// disk cache is on, so call them from a worker thread, not the GUI thread.
// Ownership: results are shared read-only (std::shared_ptr<const AnalysisResult>); the cache keeps its own
// reference until eviction.

#include "core/inspect/analysisresult.h"
#include "core/jobs/cachekey.h"

#include <QString>

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace convlens {

struct ResultCacheConfig {
    bool enabled = true;                    // false: find() always misses, store() keeps nothing
    int maxItems = 100;                     // in memory
    std::size_t maxBytes = 512ull << 20;    // in memory, approximate (resultcodec.h approximateBytes)
    QString diskDirectory;                  // empty: memory only
    std::size_t maxDiskBytes = 2ull << 30;  // cache files beyond this are deleted, oldest written first

    // Defaults overridden by the environment: CACHE_ENABLED=0 disables the cache, CACHE_MAX_ITEMS=<n>,
    // CACHE_MAX_MB=<n>, CACHE_MAX_DISK_MB=<n>, CACHE_DISK=0 keeps it in memory only. With `persistent`, the
    // disk cache lives in QStandardPaths::CacheLocation/results (set the application name first).
    static ResultCacheConfig fromEnvironment(bool persistent);
};

class ResultCache {
public:
    using ResultPtr = std::shared_ptr<const AnalysisResult>;

    // Observable behaviour for tests and the status bar. hits: served from memory; diskHits: served from disk
    // (then also kept in memory); misses: found nowhere (including while disabled).
    struct Counters {
        long long hits = 0;
        long long diskHits = 0;
        long long misses = 0;
        long long stores = 0;
        long long evictions = 0;
        long long diskWrites = 0;
        long long diskErrors = 0;     // unreadable/corrupt/wrong-version files dropped, failed writes
        long long diskEvictions = 0;  // files deleted to stay under maxDiskBytes
    };

    explicit ResultCache(ResultCacheConfig config = ResultCacheConfig{});

    // The cached result, or nullptr on a miss.
    ResultPtr find(const CacheKey& key);

    // Keeps `result` under `key` (replacing any previous one) and writes it to disk when the disk cache is on.
    // A result larger than maxBytes is written to disk only. A null result is ignored.
    void store(const CacheKey& key, ResultPtr result);

    // Forgets everything in memory; with `disk`, also deletes the cache files.
    void clear(bool disk = false);

    bool enabled() const { return mConfig.enabled; }
    const ResultCacheConfig& config() const { return mConfig; }
    Counters counters() const;
    int size() const;           // items in memory
    std::size_t bytes() const;  // approximate bytes in memory
    bool containsInMemory(const CacheKey& key) const;

    // Where `key` is (or would be) stored on disk; empty when the disk cache is off.
    QString filePath(const CacheKey& key) const;

    // Why results are no longer written to disk ("cannot write the result cache in DIR (No space left on
    // device); results are kept in memory only"); empty while the disk cache works or is off by choice.
    QString diskProblem() const;
    // diskProblem() the first time it is non-empty, nullopt before and after: to tell the user once.
    std::optional<QString> takeDiskProblem();

    // File format version written to disk; files with another version are dropped.
    static constexpr quint32 kFileFormatVersion = 1;

private:
    struct Entry {
        std::string key;
        ResultPtr result;
        std::size_t bytes = 0;
    };

    void insertLocked(const std::string& key, ResultPtr result, std::size_t bytes);
    void evictLocked();
    ResultPtr readDisk(const CacheKey& key, const std::string& keyString);
    bool writeDisk(const CacheKey& key, const std::string& keyString, const AnalysisResult& result);
    int pruneDisk(const QString& keep);
    void stopWritingLocked(const QString& reason);

    ResultCacheConfig mConfig;
    mutable std::mutex mMutex;
    std::list<Entry> mLru;  // most recent first
    std::unordered_map<std::string, std::list<Entry>::iterator> mIndex;
    std::size_t mBytes = 0;
    Counters mCounters;
    std::atomic<bool> mWriting{false};  // the disk cache is on and nothing has failed to be written yet
    QString mDiskProblem;               // guarded by mMutex
    bool mDiskProblemTaken = false;     // guarded by mMutex
};

}  // namespace convlens
