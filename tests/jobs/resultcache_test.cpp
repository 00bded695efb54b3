// ResultCache: memory LRU by count and bytes, key invalidation, disk persistence and corruption handling.
#include "core/jobs/resultcache.h"
#include "core/jobs/resultcodec.h"
#include "tests/jobs/sampleresult.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>
#include <functional>
#include <thread>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

using namespace convlens;
using convlens::testing::expectSameResult;
using convlens::testing::sampleResult;

namespace {

CacheKey keyFor(int image, const std::string& options = "taps=all;topK=5")
{
    return CacheKey{CacheKey::sha256Hex(QByteArray("image-") + QByteArray::number(image)), "resnet18", "untrained",
                    options};
}

std::shared_ptr<const AnalysisResult> shared(AnalysisResult r)
{
    return std::make_shared<const AnalysisResult>(std::move(r));
}

ResultCacheConfig memoryOnly(int maxItems = 100, std::size_t maxBytes = 512ull << 20)
{
    ResultCacheConfig c;
    c.maxItems = maxItems;
    c.maxBytes = maxBytes;
    return c;
}

ResultCacheConfig onDisk(const QTemporaryDir& dir)
{
    ResultCacheConfig c;
    c.diskDirectory = dir.path();
    return c;
}

// Restores (or unsets) an environment variable when the test ends.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const QByteArray& value) : mName(name), mHad(qEnvironmentVariableIsSet(name))
    {
        mOld = qgetenv(name);
        qputenv(name, value);
    }
    ~ScopedEnv()
    {
        if (mHad)
            qputenv(mName, mOld);
        else
            qunsetenv(mName);
    }

private:
    const char* mName;
    bool mHad;
    QByteArray mOld;
};

}  // namespace

TEST(CacheKeyTest, EveryFieldChangesTheKey)
{
    const CacheKey base = keyFor(1);
    CacheKey k = base;
    k.modelId = "resnet50";
    EXPECT_NE(base.toString(), k.toString());
    k = base;
    k.weightsIdentity = "/w.pth|10|1";
    EXPECT_NE(base.toString(), k.toString());
    k = base;
    k.optionsKey += "x";
    EXPECT_NE(base.toString(), k.toString());
    k = base;
    k.imageSha256 = keyFor(2).imageSha256;
    EXPECT_NE(base.toString(), k.toString());
    // Field boundaries cannot be shifted: "ab"+"c" differs from "a"+"bc".
    EXPECT_NE((CacheKey{"ab", "c", "", ""}).toString(), (CacheKey{"a", "bc", "", ""}).toString());
    EXPECT_EQ(CacheKey::sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CacheKeyTest, Sha256IsQtsOnEveryLength)
{
    // Lengths around SHA-256's 64-byte blocks and its 56-byte padding edge, and a photo's size.
    QByteArray bytes;
    quint32 state = 12345;
    for (const int length : {0, 1, 55, 56, 63, 64, 65, 119, 1000, 1 << 20}) {
        while (bytes.size() < length) {
            state = state * 1664525u + 1013904223u;
            bytes.append(char(state >> 24));
        }
        const QByteArray data = bytes.left(length);
        EXPECT_EQ(CacheKey::sha256Hex(data),
                  QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().toStdString())
            << length << " bytes";
    }
}

TEST(CacheKeyTest, WeightsIdentityFollowsTheFile)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("w.pth"));
    EXPECT_EQ(CacheKey::identifyWeights(QString()), "untrained");
    const std::string missing = CacheKey::identifyWeights(path);
    {
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("1234");
    }
    const std::string first = CacheKey::identifyWeights(path);
    EXPECT_NE(first, missing);
    {
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::Append));
        f.write("5678");  // a different size: a replaced checkpoint
    }
    EXPECT_NE(CacheKey::identifyWeights(path), first);
}

TEST(ResultCodecTest, RoundTripKeepsEveryField)
{
    const AnalysisResult original = sampleResult(7);
    Expected<AnalysisResult> decoded = decodeResult(encodeResult(original));
    ASSERT_TRUE(decoded) << decoded.message();
    expectSameResult(original, *decoded);
}

TEST(ResultCodecTest, TruncatedOrGarbageBytesFail)
{
    const QByteArray bytes = encodeResult(sampleResult(3));
    for (qsizetype cut : {qsizetype(0), qsizetype(5), bytes.size() / 2, bytes.size() - 1})
        EXPECT_FALSE(decodeResult(bytes.left(cut))) << "cut at " << cut;
    EXPECT_FALSE(decodeResult(bytes + QByteArray("x")));
    QByteArray garbage(4096, '\xff');  // huge element counts must not allocate
    EXPECT_FALSE(decodeResult(garbage));
}

TEST(ResultCacheTest, SameKeyIsServedFromMemory)
{
    ResultCache cache(memoryOnly());
    EXPECT_EQ(cache.find(keyFor(1)), nullptr);
    const auto result = shared(sampleResult(1));
    cache.store(keyFor(1), result);
    EXPECT_EQ(cache.find(keyFor(1)), result);  // the very same object
    EXPECT_EQ(cache.find(keyFor(1)), result);
    const ResultCache::Counters c = cache.counters();
    EXPECT_EQ(c.hits, 2);
    EXPECT_EQ(c.misses, 1);
    EXPECT_EQ(c.diskHits, 0);
}

TEST(ResultCacheTest, ChangedOptionsOrWeightsMiss)
{
    ResultCache cache(memoryOnly());
    cache.store(keyFor(1, "topK=5"), shared(sampleResult(1)));
    EXPECT_EQ(cache.find(keyFor(1, "topK=3")), nullptr);
    CacheKey otherWeights = keyFor(1, "topK=5");
    otherWeights.weightsIdentity = "/w/resnet18.pth|46830571|1700000000000";
    EXPECT_EQ(cache.find(otherWeights), nullptr);
    EXPECT_EQ(cache.find(keyFor(2, "topK=5")), nullptr);
    EXPECT_NE(cache.find(keyFor(1, "topK=5")), nullptr);
    EXPECT_EQ(cache.counters().misses, 3);
    EXPECT_EQ(cache.counters().hits, 1);
}

TEST(ResultCacheTest, EvictsLeastRecentlyUsedByCount)
{
    ResultCache cache(memoryOnly(3));
    for (int i = 0; i < 3; ++i)
        cache.store(keyFor(i), shared(sampleResult(i)));
    ASSERT_NE(cache.find(keyFor(0)), nullptr);  // 0 becomes the most recent; 1 is now the oldest
    cache.store(keyFor(3), shared(sampleResult(3)));
    EXPECT_EQ(cache.size(), 3);
    EXPECT_TRUE(cache.containsInMemory(keyFor(0)));
    EXPECT_FALSE(cache.containsInMemory(keyFor(1)));
    EXPECT_TRUE(cache.containsInMemory(keyFor(2)));
    EXPECT_TRUE(cache.containsInMemory(keyFor(3)));
    EXPECT_EQ(cache.counters().evictions, 1);
}

TEST(ResultCacheTest, EvictsByApproximateBytes)
{
    // Results with many large tiles: each holds well over 64 KiB of pixels.
    const AnalysisResult big = sampleResult(1, 4, 8, 48);
    const std::size_t each = approximateBytes(big);
    ASSERT_GT(each, std::size_t(4 * 8 * 48 * 48));
    ResultCache cache(memoryOnly(100, each * 2 + each / 2));  // room for two
    for (int i = 0; i < 4; ++i)
        cache.store(keyFor(i), shared(sampleResult(i, 4, 8, 48)));
    EXPECT_EQ(cache.size(), 2);
    EXPECT_LE(cache.bytes(), cache.config().maxBytes);
    EXPECT_TRUE(cache.containsInMemory(keyFor(3)));
    EXPECT_TRUE(cache.containsInMemory(keyFor(2)));
    EXPECT_FALSE(cache.containsInMemory(keyFor(0)));

    // A single result larger than the whole budget is not kept in memory (and evicts nothing).
    ResultCache tiny(memoryOnly(100, each / 2));
    tiny.store(keyFor(9), shared(big));
    EXPECT_EQ(tiny.size(), 0);
    EXPECT_EQ(tiny.find(keyFor(9)), nullptr);
}

TEST(ResultCacheTest, DiskEntrySurvivesANewInstance)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const AnalysisResult original = sampleResult(5);
    {
        ResultCache cache(onDisk(dir));
        cache.store(keyFor(5), shared(original));
        EXPECT_EQ(cache.counters().diskWrites, 1);
        EXPECT_TRUE(QFile::exists(cache.filePath(keyFor(5))));
    }
    ResultCache restarted(onDisk(dir));
    const auto found = restarted.find(keyFor(5));
    ASSERT_NE(found, nullptr);
    expectSameResult(original, *found);
    EXPECT_EQ(restarted.counters().diskHits, 1);
    EXPECT_EQ(restarted.counters().hits, 0);
    // Promoted to memory: the second lookup does not touch the disk.
    EXPECT_EQ(restarted.find(keyFor(5)), found);
    EXPECT_EQ(restarted.counters().hits, 1);
    EXPECT_EQ(restarted.counters().diskHits, 1);
    // Another options key is a different file: a miss.
    EXPECT_EQ(restarted.find(keyFor(5, "other")), nullptr);
}

TEST(ResultCacheTest, DiskCacheStaysWithinItsByteBudget)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ResultCacheConfig config = onDisk(dir);
    const qint64 fileSize = [&] {
        ResultCache probe(config);
        probe.store(keyFor(100), shared(sampleResult(100)));
        const qint64 size = QFileInfo(probe.filePath(keyFor(100))).size();
        probe.clear(true);
        return size;
    }();
    ASSERT_GT(fileSize, 0);
    config.maxDiskBytes = static_cast<std::size_t>(fileSize * 2 + fileSize / 2);  // room for two files
    ResultCache cache(config);
    for (int i = 0; i < 4; ++i) {
        cache.store(keyFor(i), shared(sampleResult(i)));
        // Distinct modification times, so "oldest" is well defined.
        QFile f(cache.filePath(keyFor(i)));
        ASSERT_TRUE(f.open(QIODevice::ReadWrite));
        ASSERT_TRUE(f.setFileTime(QDateTime::currentDateTime().addSecs(i - 10), QFileDevice::FileModificationTime));
    }
    EXPECT_EQ(QDir(dir.path()).entryList({QStringLiteral("*.clr")}, QDir::Files).size(), 2);
    EXPECT_TRUE(QFile::exists(cache.filePath(keyFor(3))));
    EXPECT_FALSE(QFile::exists(cache.filePath(keyFor(0))));
    EXPECT_EQ(cache.counters().diskEvictions, 2);
}

namespace {

// Writes an entry with one cache, damages the file with `damage`, then checks that a fresh cache ignores it,
// deletes it, and rewrites a good one on the next store.
void expectDamagedFileIsReplaced(const std::function<void(QByteArray&)>& damage)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QString path;
    {
        ResultCache cache(onDisk(dir));
        cache.store(keyFor(8), shared(sampleResult(8)));
        path = cache.filePath(keyFor(8));
    }
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadWrite));
    QByteArray bytes = file.readAll();
    damage(bytes);
    file.resize(0);
    file.seek(0);
    file.write(bytes);
    file.close();

    ResultCache fresh(onDisk(dir));
    EXPECT_EQ(fresh.find(keyFor(8)), nullptr);
    EXPECT_EQ(fresh.counters().diskErrors, 1);
    EXPECT_EQ(fresh.counters().misses, 1);
    EXPECT_FALSE(QFile::exists(path));

    // Recomputed and stored again: a later instance reads it back.
    const AnalysisResult recomputed = sampleResult(8);
    fresh.store(keyFor(8), shared(recomputed));
    ResultCache later(onDisk(dir));
    const auto found = later.find(keyFor(8));
    ASSERT_NE(found, nullptr);
    expectSameResult(recomputed, *found);
    EXPECT_EQ(later.counters().diskErrors, 0);
}

}  // namespace

TEST(ResultCacheTest, CorruptedDiskFileIsIgnoredAndRewritten)
{
    expectDamagedFileIsReplaced([](QByteArray& b) { b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x5a); });
}

TEST(ResultCacheTest, TruncatedDiskFileIsIgnoredAndRewritten)
{
    expectDamagedFileIsReplaced([](QByteArray& b) { b.truncate(b.size() * 2 / 3); });
}

TEST(ResultCacheTest, WrongVersionDiskFileIsIgnoredAndRewritten)
{
    // Bytes 4..7 hold the file format version (big-endian quint32).
    expectDamagedFileIsReplaced([](QByteArray& b) { b[7] = static_cast<char>(ResultCache::kFileFormatVersion + 1); });
}

TEST(ResultCacheTest, EmptyDiskFileIsIgnoredAndRewritten)
{
    expectDamagedFileIsReplaced([](QByteArray& b) { b.clear(); });
}

TEST(ResultCacheTest, DisabledByEnvironment)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ScopedEnv off("CACHE_ENABLED", "0");
    ResultCacheConfig config = ResultCacheConfig::fromEnvironment(false);
    EXPECT_FALSE(config.enabled);
    config.diskDirectory = dir.path();
    ResultCache cache(config);
    EXPECT_FALSE(cache.enabled());
    cache.store(keyFor(1), shared(sampleResult(1)));
    EXPECT_EQ(cache.find(keyFor(1)), nullptr);
    EXPECT_EQ(cache.size(), 0);
    EXPECT_EQ(cache.counters().misses, 1);
    EXPECT_TRUE(QDir(dir.path()).isEmpty());
}

TEST(ResultCacheTest, MaxItemsFromEnvironment)
{
    ScopedEnv items("CACHE_MAX_ITEMS", "2");
    ResultCache cache(ResultCacheConfig::fromEnvironment(false));
    EXPECT_TRUE(cache.enabled());
    for (int i = 0; i < 3; ++i)
        cache.store(keyFor(i), shared(sampleResult(i)));
    EXPECT_EQ(cache.size(), 2);
    EXPECT_FALSE(cache.containsInMemory(keyFor(0)));
}

// ---- Disk faults: a full disk, a read-only folder, special files in an entry's place, two writing processes.

namespace {

// A small tmpfs mounted over `dir` for the life of the object, when this process may mount (root in CI); else
// mounted() is false and the test uses the unprivileged way to the same fault.
class ScopedTmpfs {
public:
    ScopedTmpfs(const QString& dir, const char* options) : mDir(QFile::encodeName(dir))
    {
        mMounted = geteuid() == 0 && ::mount("tmpfs", mDir.constData(), "tmpfs", 0, options) == 0;
    }
    ~ScopedTmpfs()
    {
        if (mMounted)
            ::umount2(mDir.constData(), MNT_DETACH);
    }
    bool mounted() const { return mMounted; }
    bool remountReadOnly()
    {
        return ::mount(nullptr, mDir.constData(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }

private:
    QByteArray mDir;
    bool mMounted = false;
};

// Files of at most `bytes` for the life of the object (RLIMIT_FSIZE, with SIGXFSZ ignored so a write fails with
// EFBIG instead of killing the process): a full disk without privileges.
class ScopedFileSizeLimit {
public:
    explicit ScopedFileSizeLimit(rlim_t bytes)
    {
        getrlimit(RLIMIT_FSIZE, &mOld);
        mOldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = mOld;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~ScopedFileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &mOld);
        std::signal(SIGXFSZ, mOldHandler);
    }

private:
    rlimit mOld{};
    void (*mOldHandler)(int) = nullptr;
};

// Fills the file system holding `dir` until a write fails.
void fillUp(const QString& dir)
{
    QFile filler(dir + QStringLiteral("/filler"));
    ASSERT_TRUE(filler.open(QIODevice::WriteOnly));
    const QByteArray block(4096, 'x');
    while (filler.write(block) == block.size() && filler.flush()) {
    }
    filler.close();
}

QStringList cacheFiles(const QString& dir)
{
    return QDir(dir).entryList({QStringLiteral("*.clr"), QStringLiteral("*.clr.*")}, QDir::Files | QDir::Hidden);
}

// What a user of the cache must see after the first failed write: the reason once, nothing lost from memory, no
// further attempts, no partial file.
void expectWritingStoppedOnce(ResultCache& cache, const QString& dir, const char* reason)
{
    const QString problem = cache.diskProblem();
    EXPECT_TRUE(problem.contains(QDir::toNativeSeparators(dir))) << problem.toStdString();
    EXPECT_TRUE(problem.contains(QLatin1String(reason), Qt::CaseInsensitive)) << problem.toStdString();
    EXPECT_TRUE(problem.contains(QStringLiteral("memory only"))) << problem.toStdString();
    EXPECT_EQ(cache.counters().diskErrors, 1);
    const std::optional<QString> taken = cache.takeDiskProblem();
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(*taken, problem);
    EXPECT_FALSE(cache.takeDiskProblem().has_value()) << "said once";

    cache.store(keyFor(2), shared(sampleResult(2)));
    EXPECT_EQ(cache.counters().diskErrors, 1) << "no more writes are tried";
    EXPECT_FALSE(cache.takeDiskProblem().has_value());
    ASSERT_NE(cache.find(keyFor(1)), nullptr) << "the results are still served from memory";
    expectSameResult(sampleResult(1), *cache.find(keyFor(1)));
    ASSERT_NE(cache.find(keyFor(2)), nullptr);
}

}  // namespace

TEST(ResultCacheTest, AFullDiskStopsTheWritesSaysSoOnceAndKeepsTheResultsInMemory)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ASSERT_GT(encodeResult(sampleResult(1)).size(), 8192) << "the result must not fit in what is left";
    ScopedTmpfs tmpfs(dir.path(), "size=64k");
    const char* reason = "No space left on device";
    std::optional<ScopedFileSizeLimit> limit;
    if (tmpfs.mounted()) {
        fillUp(dir.path());
    } else {
        limit.emplace(4096);
        reason = "too large";
    }
    ResultCache cache(onDisk(dir));
    EXPECT_TRUE(cache.diskProblem().isEmpty());
    EXPECT_FALSE(cache.takeDiskProblem().has_value());
    cache.store(keyFor(1), shared(sampleResult(1)));
    limit.reset();
    EXPECT_EQ(cache.counters().diskWrites, 0);
    expectWritingStoppedOnce(cache, dir.path(), reason);
    EXPECT_TRUE(cacheFiles(dir.path()).isEmpty()) << "no partial file: " << cacheFiles(dir.path()).join(u' ').toStdString();
}

TEST(ResultCacheTest, AReadOnlyFolderIsStillReadAndSaysOnceThatNothingIsWritten)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    ScopedTmpfs tmpfs(dir.path(), "size=8m");
    ResultCache({onDisk(dir)}).store(keyFor(7), shared(sampleResult(7)));  // written before it became read-only
    const char* reason = "Read-only file system";
    if (tmpfs.mounted()) {
        ASSERT_TRUE(tmpfs.remountReadOnly());
    } else {
        ASSERT_EQ(::chmod(QFile::encodeName(dir.path()).constData(), 0555), 0);
        reason = "Permission denied";
    }
    ResultCache cache(onDisk(dir));
    const auto old = cache.find(keyFor(7));
    ASSERT_NE(old, nullptr) << "a read-only cache is still read";
    expectSameResult(sampleResult(7), *old);
    EXPECT_EQ(cache.counters().diskHits, 1);
    cache.store(keyFor(1), shared(sampleResult(1)));
    expectWritingStoppedOnce(cache, dir.path(), reason);
    ::chmod(QFile::encodeName(dir.path()).constData(), 0755);
}

TEST(ResultCacheTest, AFolderWhereNoFolderCanBeCreatedIsSaidOnceAndTheCacheWorksInMemory)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QFile blocker(dir.filePath(QStringLiteral("file")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    ResultCacheConfig config;
    config.diskDirectory = dir.filePath(QStringLiteral("file/results"));  // under a regular file
    ResultCache cache(config);
    EXPECT_TRUE(cache.filePath(keyFor(1)).isEmpty()) << "the disk side is off";
    const std::optional<QString> problem = cache.takeDiskProblem();
    ASSERT_TRUE(problem.has_value());
    EXPECT_TRUE(problem->contains(QStringLiteral("file/results"))) << problem->toStdString();
    EXPECT_FALSE(cache.takeDiskProblem().has_value());
    cache.store(keyFor(1), shared(sampleResult(1)));
    EXPECT_NE(cache.find(keyFor(1)), nullptr);
}

TEST(ResultCacheTest, AFifoOrAFolderInAnEntrysPlaceIsDroppedWithoutBlocking)
{
    for (const bool fifo : {true, false}) {
        QTemporaryDir dir;
        ASSERT_TRUE(dir.isValid());
        const QString path = ResultCache(onDisk(dir)).filePath(keyFor(3));
        const QByteArray native = QFile::encodeName(path);
        ASSERT_EQ(fifo ? ::mkfifo(native.constData(), 0644) : ::mkdir(native.constData(), 0755), 0);
        QElapsedTimer timer;
        timer.start();
        ResultCache cache(onDisk(dir));
        EXPECT_EQ(cache.find(keyFor(3)), nullptr);
        EXPECT_LT(timer.elapsed(), 5000) << "nothing blocks";
        EXPECT_EQ(cache.counters().diskErrors, 1);
        EXPECT_FALSE(QFileInfo::exists(path)) << "dropped";
        cache.store(keyFor(3), shared(sampleResult(3)));
        EXPECT_EQ(cache.counters().diskWrites, 1);
        EXPECT_TRUE(cache.diskProblem().isEmpty());
        const auto again = ResultCache(onDisk(dir)).find(keyFor(3));
        ASSERT_NE(again, nullptr);
        expectSameResult(sampleResult(3), *again);
    }
}

TEST(ResultCacheTest, TwoProcessesWritingTheSameEntryLeaveOneWholeFileForAReader)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const CacheKey key{CacheKey::sha256Hex(QByteArray("shared image")), "resnet18", "untrained", "taps=all;topK=5"};
    const QByteArray a = encodeResult(sampleResult(3)), b = encodeResult(sampleResult(4));
    ASSERT_NE(a, b);
    QProcess first, second;
    for (auto [process, seed] : {std::pair{&first, "3"}, std::pair{&second, "4"}})
        process->start(QStringLiteral(CONVLENS_CACHE_WRITER), {dir.path(), QString::fromLatin1(seed), QStringLiteral("150")});
    ASSERT_TRUE(first.waitForStarted() && second.waitForStarted());
    int reads = 0, found = 0;
    long long errors = 0;
    auto readOnce = [&] {
        ResultCache reader(onDisk(dir));  // a fresh instance: every find reads the file
        const auto result = reader.find(key);
        errors += reader.counters().diskErrors;
        ++reads;
        if (result) {
            ++found;
            const QByteArray got = encodeResult(*result);
            EXPECT_TRUE(got == a || got == b) << "a reader sees one writer's whole result";
        }
    };
    while (first.state() != QProcess::NotRunning || second.state() != QProcess::NotRunning) {
        readOnce();
        first.waitForFinished(1);
        second.waitForFinished(1);
    }
    readOnce();
    EXPECT_EQ(first.exitCode(), 0) << first.readAllStandardError().toStdString();
    EXPECT_EQ(second.exitCode(), 0) << second.readAllStandardError().toStdString();
    EXPECT_EQ(errors, 0) << "no reader ever saw a partial or mixed file (" << reads << " reads)";
    EXPECT_GE(found, 1);
    EXPECT_EQ(cacheFiles(dir.path()).size(), 1) << cacheFiles(dir.path()).join(u' ').toStdString();
}

TEST(ResultCacheTest, ConcurrentFindAndStoreAreSafe)
{
    ResultCache cache(memoryOnly(8));
    const auto result = shared(sampleResult(1));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&cache, &result, t] {
            for (int i = 0; i < 500; ++i) {
                const CacheKey k = keyFor((i * 7 + t) % 16);
                if (!cache.find(k))
                    cache.store(k, result);
            }
        });
    for (std::thread& th : threads)
        th.join();
    const ResultCache::Counters c = cache.counters();
    EXPECT_EQ(c.hits + c.misses, 2000);
    EXPECT_LE(cache.size(), 8);
}
