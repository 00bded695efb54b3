// ModelPool: LRU of loaded models by count; failed loads are not kept.
#include "core/jobs/modelpool.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace convlens;

namespace {

struct FakeModel {
    std::string name;
};

ModelPool<FakeModel>::Factory loader(const std::string& name, int& calls)
{
    return [name, &calls]() -> Expected<std::shared_ptr<FakeModel>> {
        ++calls;
        return std::make_shared<FakeModel>(FakeModel{name});
    };
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
        return makeError("/weights/x.pth: not a checkpoint");
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
