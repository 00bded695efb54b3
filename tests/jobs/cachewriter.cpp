// cache_writer DIR SEED COUNT: stores sampleResult(SEED) under one fixed key COUNT times in a ResultCache on DIR,
// as a second process would. The result cache tests run two of these at once beside a reader.
#include "core/jobs/resultcache.h"
#include "tests/jobs/sampleresult.h"

#include <QByteArray>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::cerr << "usage: cache_writer DIR SEED COUNT\n";
        return 2;
    }
    convlens::ResultCacheConfig config;
    config.diskDirectory = QString::fromLocal8Bit(argv[1]);
    const auto seed = static_cast<unsigned>(std::atoi(argv[2]));
    const int count = std::atoi(argv[3]);
    const auto result = std::make_shared<const convlens::AnalysisResult>(convlens::testing::sampleResult(seed));
    const convlens::CacheKey key{convlens::CacheKey::sha256Hex(QByteArray("shared image")), "resnet18", "untrained",
                                 "taps=all;topK=5"};
    for (int i = 0; i < count; ++i) {
        convlens::ResultCache cache(config);  // a fresh instance: every store goes to the disk
        cache.store(key, result);
        if (cache.counters().diskWrites != 1) {
            std::cerr << "cache_writer: write " << i << " failed: " << cache.diskProblem().toStdString() << "\n";
            return 1;
        }
    }
    return 0;
}
