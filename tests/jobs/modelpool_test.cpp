// ModelPool: LRU of loaded models by count and by memory; failed loads are not kept.
#include "core/jobs/modelpool.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace convlens;

namespace {

struct FakeModel {
    std::string name;
    std::size_t bytes = 0;
};

ModelPool<FakeModel>::Factory loader(const std::string& name, int& calls, std::size_t bytes = 0)
{
    return [name, &calls, bytes]() -> Expected<std::shared_ptr<FakeModel>> {
        ++calls;
        return std::make_shared<FakeModel>(FakeModel{name, bytes});
    };
}

ModelPool<FakeModel>::Factory sized(const std::string& name, std::size_t bytes)
{
    return [name, bytes]() -> Expected<std::shared_ptr<FakeModel>> {
        return std::make_shared<FakeModel>(FakeModel{name, bytes});
    };
}

std::size_t costOf(const FakeModel& model)
{
    return model.bytes;
}

}  // namespace

TEST(ModelPoolTest, ReusesLoadedModelsAndEvictsTheLeastRecentlyUsed)
{
    ModelPool<FakeModel> pool(2);
    int loadsA = 0, loadsB = 0, loadsC = 0;
    auto a = pool.acquire("resnet18", loader("resnet18", loadsA));
    ASSERT_TRUE(a);
    EXPECT_EQ(pool.acquire("resnet18", loader("resnet18", loadsA)).value(), a.value());  // same instance
    EXPECT_EQ(loadsA, 1);
    ASSERT_TRUE(pool.acquire("resnet50", loader("resnet50", loadsB)));
    ASSERT_TRUE(pool.acquire("resnet18", loader("resnet18", loadsA)));  // resnet50 is now the oldest
    ASSERT_TRUE(pool.acquire("densenet121", loader("densenet121", loadsC)));
    EXPECT_EQ(pool.size(), 2);
    EXPECT_TRUE(pool.contains("resnet18"));
    EXPECT_FALSE(pool.contains("resnet50"));
    EXPECT_TRUE(pool.contains("densenet121"));
    ASSERT_TRUE(pool.acquire("resnet50", loader("resnet50", loadsB)));
    EXPECT_EQ(loadsB, 2);                    // reloaded after eviction
    EXPECT_EQ(a.value()->name, "resnet18");  // an evicted model stays valid while held
    EXPECT_EQ(pool.loads(), 4);
    EXPECT_EQ(pool.hits(), 2);
}

TEST(ModelPoolTest, FailedLoadsAreReportedAndRetried)
{
    ModelPool<FakeModel> pool(2);
    int attempts = 0;
    auto failing = [&attempts]() -> Expected<std::shared_ptr<FakeModel>> {
        ++attempts;
        return makeError(ErrorKind::Internal, "/weights/x.pth: not a checkpoint");
    };
    auto r = pool.acquire("x", failing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.message(), "/weights/x.pth: not a checkpoint");
    EXPECT_FALSE(pool.acquire("x", failing));
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(pool.size(), 0);

    auto throwing = []() -> Expected<std::shared_ptr<FakeModel>> { throw std::runtime_error("bad alloc"); };
    auto t = pool.acquire("y", throwing);
    ASSERT_FALSE(t);
    EXPECT_NE(t.message().find("bad alloc"), std::string::npos);
}

TEST(ModelPoolTest, MemoryBoundEvictsTheLeastRecentlyUsedUntilUnderBudget)
{
    ModelPool<FakeModel> pool(std::size_t{100}, costOf);
    ASSERT_TRUE(pool.acquire("a", sized("a", 40)));
    ASSERT_TRUE(pool.acquire("b", sized("b", 30)));
    ASSERT_TRUE(pool.acquire("c", sized("c", 20)));
    EXPECT_EQ(pool.size(), 3);  // 90 bytes fit; the count is not bounded
    EXPECT_EQ(pool.bytes(), 90u);
    ASSERT_TRUE(pool.acquire("a", sized("a", 40)));  // a becomes the most recent: b is now the oldest
    ASSERT_TRUE(pool.acquire("d", sized("d", 35)));  // 125 bytes: b (30) goes, 95 remain
    EXPECT_FALSE(pool.contains("b"));
    EXPECT_TRUE(pool.contains("a"));
    EXPECT_TRUE(pool.contains("c"));
    EXPECT_TRUE(pool.contains("d"));
    EXPECT_EQ(pool.bytes(), 95u);
    ASSERT_TRUE(pool.acquire("e", sized("e", 60)));  // 155: c (20) then a (40) go, 95 remain
    EXPECT_FALSE(pool.contains("c"));
    EXPECT_FALSE(pool.contains("a"));
    EXPECT_TRUE(pool.contains("d"));
    EXPECT_TRUE(pool.contains("e"));
    EXPECT_EQ(pool.bytes(), 95u);
    EXPECT_EQ(pool.evictions(), 3);
    EXPECT_EQ(pool.loads(), 5);
    EXPECT_EQ(pool.hits(), 1);
}

TEST(ModelPoolTest, NewestModelIsKeptEvenOverTheBudget)
{
    ModelPool<FakeModel> pool(std::size_t{100}, costOf);
    int loads = 0;
    ASSERT_TRUE(pool.acquire("small", sized("small", 10)));
    auto big = pool.acquire("big", loader("big", loads, 500));
    ASSERT_TRUE(big);
    EXPECT_EQ(pool.size(), 1);  // everything older went; the new one stays although it alone is over budget
    EXPECT_TRUE(pool.contains("big"));
    EXPECT_EQ(pool.bytes(), 500u);
    EXPECT_EQ(pool.acquire("big", loader("big", loads, 500)).value(), big.value());  // and is reused
    EXPECT_EQ(loads, 1);

    pool.setMaxBytes(1000);
    ASSERT_TRUE(pool.acquire("small", sized("small", 10)));
    EXPECT_EQ(pool.size(), 2);
    pool.setMaxBytes(50);  // shrinking the budget evicts at once, keeping the most recent
    EXPECT_EQ(pool.size(), 1);
    EXPECT_TRUE(pool.contains("small"));
    EXPECT_EQ(pool.bytes(), 10u);
    pool.clear();
    EXPECT_EQ(pool.bytes(), 0u);
}

TEST(ModelPoolTest, CountAndMemoryBoundsApplyTogether)
{
    ModelPool<FakeModel> pool(std::size_t{1000}, costOf, 2);
    ASSERT_TRUE(pool.acquire("a", sized("a", 1)));
    ASSERT_TRUE(pool.acquire("b", sized("b", 1)));
    ASSERT_TRUE(pool.acquire("c", sized("c", 1)));
    EXPECT_EQ(pool.size(), 2);  // far under the byte budget, but at most two models
    EXPECT_FALSE(pool.contains("a"));
    EXPECT_EQ(pool.bytes(), 2u);
}
