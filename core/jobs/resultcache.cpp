#include "core/jobs/resultcache.h"

#include "core/common/boundedfile.h"
#include "core/jobs/resultcodec.h"

#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace convlens {

namespace {

constexpr quint32 kMagic = 0x434C5243;  // "CLRC"
// No result file comes near this (a ResNet-50 analysis with every channel tiled is about 30 MiB); anything larger
// was not written by ConvLens.
constexpr qint64 kMaxFileBytes = qint64(1) << 30;

QByteArray toBytes(const std::string& s)
{
    return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
}

QByteArray checksum(const QByteArray& key, const QByteArray& payload)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(key);
    hash.addData(payload);
    return hash.result();
}

bool envFlagOff(const char* name)
{
    const QByteArray v = qgetenv(name).trimmed().toLower();
    return v == "0" || v == "false" || v == "off" || v == "no";
}

}  // namespace

ResultCacheConfig ResultCacheConfig::fromEnvironment(bool persistent)
{
    ResultCacheConfig config;
    if (envFlagOff("CACHE_ENABLED"))
        config.enabled = false;
    bool ok = false;
    const int items = qEnvironmentVariableIntValue("CACHE_MAX_ITEMS", &ok);
    if (ok && items >= 0)
        config.maxItems = items;
    const int mb = qEnvironmentVariableIntValue("CACHE_MAX_MB", &ok);
    if (ok && mb >= 0)
        config.maxBytes = static_cast<std::size_t>(mb) << 20;
    const int diskMb = qEnvironmentVariableIntValue("CACHE_MAX_DISK_MB", &ok);
    if (ok && diskMb >= 0)
        config.maxDiskBytes = static_cast<std::size_t>(diskMb) << 20;
    if (persistent && config.enabled && !envFlagOff("CACHE_DISK")) {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
        if (!base.isEmpty())
            config.diskDirectory = base + QStringLiteral("/results");
    }
    return config;
}

ResultCache::ResultCache(ResultCacheConfig config) : mConfig(std::move(config))
{
    if (!mConfig.enabled)
        mConfig.diskDirectory.clear();
    if (!mConfig.diskDirectory.isEmpty() && !QDir().mkpath(mConfig.diskDirectory)) {
        mDiskProblem = QStringLiteral("cannot create the result cache folder %1; results are kept in memory only")
                           .arg(QDir::toNativeSeparators(mConfig.diskDirectory));
        mConfig.diskDirectory.clear();
    }
    mWriting = !mConfig.diskDirectory.isEmpty();
}

QString ResultCache::diskProblem() const
{
    std::lock_guard lock(mMutex);
    return mDiskProblem;
}

std::optional<QString> ResultCache::takeDiskProblem()
{
    std::lock_guard lock(mMutex);
    if (mDiskProblem.isEmpty() || mDiskProblemTaken)
        return std::nullopt;
    mDiskProblemTaken = true;
    return mDiskProblem;
}

void ResultCache::stopWritingLocked(const QString& reason)
{
    mWriting = false;
    if (mDiskProblem.isEmpty())
        mDiskProblem = QStringLiteral("cannot write the result cache in %1 (%2); results are kept in memory only")
                           .arg(QDir::toNativeSeparators(mConfig.diskDirectory), reason);
}

ResultCache::ResultPtr ResultCache::find(const CacheKey& key)
{
    const std::string keyString = key.toString();
    {
        std::lock_guard lock(mMutex);
        if (!mConfig.enabled) {
            ++mCounters.misses;
            return nullptr;
        }
        const auto it = mIndex.find(keyString);
        if (it != mIndex.end()) {
            mLru.splice(mLru.begin(), mLru, it->second);
            ++mCounters.hits;
            return it->second->result;
        }
    }
    if (ResultPtr fromDisk = readDisk(key, keyString)) {
        std::lock_guard lock(mMutex);
        ++mCounters.diskHits;
        insertLocked(keyString, fromDisk, approximateBytes(*fromDisk));
        return fromDisk;
    }
    std::lock_guard lock(mMutex);
    ++mCounters.misses;
    return nullptr;
}

void ResultCache::store(const CacheKey& key, ResultPtr result)
{
    if (!mConfig.enabled || !result)
        return;
    const std::string keyString = key.toString();
    {
        std::lock_guard lock(mMutex);
        ++mCounters.stores;
        insertLocked(keyString, result, approximateBytes(*result));
    }
    if (mWriting) {
        const bool written = writeDisk(key, keyString, *result);
        const int pruned = written ? pruneDisk(filePath(key)) : 0;
        std::lock_guard lock(mMutex);
        ++(written ? mCounters.diskWrites : mCounters.diskErrors);
        mCounters.diskEvictions += pruned;
    }
}

void ResultCache::clear(bool disk)
{
    {
        std::lock_guard lock(mMutex);
        mLru.clear();
        mIndex.clear();
        mBytes = 0;
    }
    if (disk && !mConfig.diskDirectory.isEmpty()) {
        QDir dir(mConfig.diskDirectory);
        for (const QString& name : dir.entryList({QStringLiteral("*.clr")}, QDir::Files))
            dir.remove(name);
    }
}

ResultCache::Counters ResultCache::counters() const
{
    std::lock_guard lock(mMutex);
    return mCounters;
}

int ResultCache::size() const
{
    std::lock_guard lock(mMutex);
    return static_cast<int>(mLru.size());
}

std::size_t ResultCache::bytes() const
{
    std::lock_guard lock(mMutex);
    return mBytes;
}

bool ResultCache::containsInMemory(const CacheKey& key) const
{
    std::lock_guard lock(mMutex);
    return mIndex.count(key.toString()) > 0;
}

QString ResultCache::filePath(const CacheKey& key) const
{
    if (mConfig.diskDirectory.isEmpty())
        return {};
    return mConfig.diskDirectory + QLatin1Char('/') +
           QString::fromStdString(CacheKey::sha256Hex(toBytes(key.toString()))) + QStringLiteral(".clr");
}

void ResultCache::insertLocked(const std::string& key, ResultPtr result, std::size_t bytes)
{
    const auto it = mIndex.find(key);
    if (it != mIndex.end()) {
        mBytes -= it->second->bytes;
        mLru.erase(it->second);
        mIndex.erase(it);
    }
    if (mConfig.maxItems <= 0 || bytes > mConfig.maxBytes)
        return;  // would evict everything else and still not fit
    mLru.push_front(Entry{key, std::move(result), bytes});
    mIndex[key] = mLru.begin();
    mBytes += bytes;
    evictLocked();
}

void ResultCache::evictLocked()
{
    while (!mLru.empty() && (static_cast<int>(mLru.size()) > mConfig.maxItems || mBytes > mConfig.maxBytes)) {
        const Entry& last = mLru.back();
        mBytes -= last.bytes;
        mIndex.erase(last.key);
        mLru.pop_back();
        ++mCounters.evictions;
    }
}

ResultCache::ResultPtr ResultCache::readDisk(const CacheKey& key, const std::string& keyString)
{
    const QString path = filePath(key);
    if (path.isEmpty())
        return nullptr;
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return nullptr;
    // Only a regular file of a sane size is read (core/common/boundedfile.h): a folder, a FIFO or a huge file
    // put in the cache's place is dropped like a corrupt entry.
    const FileKind kind{QStringLiteral("a"), QStringLiteral("cache"), QStringLiteral("caches")};
    Expected<QByteArray> read = readBoundedFile(path, kMaxFileBytes, kind);
    std::string problem = read ? std::string() : read.message();
    const QByteArray bytes = read ? std::move(read).value() : QByteArray();

    QDataStream s(bytes);
    s.setVersion(QDataStream::Qt_6_0);
    quint32 magic = 0, formatVersion = 0, codecVersion = 0;
    QByteArray storedKey, payload, storedChecksum;
    s >> magic >> formatVersion >> codecVersion;
    if (!problem.empty())
        qt_noop();  // unreadable: dropped below
    else if (s.status() != QDataStream::Ok || magic != kMagic)
        problem = "not a ConvLens cache file";
    else if (formatVersion != kFileFormatVersion || codecVersion != kResultCodecVersion)
        problem = "written by another version (format " + std::to_string(formatVersion) + ", codec " +
                  std::to_string(codecVersion) + ")";
    if (problem.empty()) {
        s >> storedKey >> payload >> storedChecksum;
        if (s.status() != QDataStream::Ok || !s.atEnd())
            problem = "truncated";
        else if (storedChecksum != checksum(storedKey, payload))
            problem = "checksum mismatch";
        else if (storedKey != toBytes(keyString))
            return nullptr;  // a different key hashed to the same file name: a miss, the next store replaces it
    }
    if (problem.empty()) {
        Expected<AnalysisResult> decoded = decodeResult(payload);
        if (decoded)
            return std::make_shared<const AnalysisResult>(std::move(decoded).value());
        problem = decoded.message();
    }
    qWarning("ResultCache: dropping %s: %s", qPrintable(path), problem.c_str());
    if (info.isDir() && !info.isSymLink())
        QDir().rmdir(path);  // an empty folder only: nothing of the user's is deleted
    else
        QFile::remove(path);
    std::lock_guard lock(mMutex);
    ++mCounters.diskErrors;
    return nullptr;
}

bool ResultCache::writeDisk(const CacheKey& key, const std::string& keyString, const AnalysisResult& result)
{
    const QString path = filePath(key);
    const QByteArray keyBytes = toBytes(keyString);
    const QByteArray payload = encodeResult(result);
    QSaveFile file(path);
    bool ok = file.open(QIODevice::WriteOnly);
    if (ok) {
        QDataStream s(&file);
        s.setVersion(QDataStream::Qt_6_0);
        s << kMagic << kFileFormatVersion << kResultCodecVersion << keyBytes << payload
          << checksum(keyBytes, payload);
        ok = s.status() == QDataStream::Ok && file.commit();
    }
    if (!ok) {
        // A full disk or a read-only folder fails every later write alike: stop writing, say so once.
        const QString reason = file.errorString().isEmpty() ? QStringLiteral("write failed") : file.errorString();
        std::lock_guard lock(mMutex);
        stopWritingLocked(reason);
    }
    return ok;
}

int ResultCache::pruneDisk(const QString& keep)
{
    // Newest first; everything past the budget goes, except the file just written.
    const QFileInfoList files =
        QDir(mConfig.diskDirectory).entryInfoList({QStringLiteral("*.clr")}, QDir::Files, QDir::Time);
    std::size_t total = 0;
    int removed = 0;
    for (const QFileInfo& info : files) {
        total += static_cast<std::size_t>(info.size());
        if (total > mConfig.maxDiskBytes && info.absoluteFilePath() != QFileInfo(keep).absoluteFilePath()) {
            if (QFile::remove(info.absoluteFilePath()))
                ++removed;
            total -= static_cast<std::size_t>(info.size());
        }
    }
    return removed;
}

}  // namespace convlens
