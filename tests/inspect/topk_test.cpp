// topClasses and classLabel: the one top-K of the Predictor and the Analyzer. Ranking, ties, NaN, K outside
// [1, classes], labels past the end of the list.

#include "core/inspect/topk.h"

#include <gtest/gtest.h>

#include <limits>

using namespace convlens;

namespace {

std::vector<int> indices(const std::vector<ClassScore>& scores)
{
    std::vector<int> v;
    for (const ClassScore& s : scores)
        v.push_back(s.index);
    return v;
}

}  // namespace

TEST(TopK, RanksByProbabilityWithLabelsAndValues)
{
    const std::vector<float> p = {0.1f, 0.5f, 0.05f, 0.3f, 0.05f};
    const auto top = topClasses(p, 3, {"a", "b", "c", "d", "e"});
    ASSERT_EQ(indices(top), (std::vector<int>{1, 3, 0}));
    EXPECT_EQ(top[0].label, "b");
    EXPECT_EQ(top[1].label, "d");
    EXPECT_EQ(top[2].label, "a");
    EXPECT_EQ(top[0].probability, 0.5f);
    EXPECT_EQ(top[1].probability, 0.3f);
    EXPECT_EQ(top[2].probability, 0.1f);
}

TEST(TopK, TiesRankByClassIndex)
{
    const std::vector<float> p = {0.1f, 0.2f, 0.2f, 0.1f, 0.2f, 0.2f};
    EXPECT_EQ(indices(topClasses(p, 6, {})), (std::vector<int>{1, 2, 4, 5, 0, 3}));
    // The cut falls inside a tie: the lower indices are kept.
    EXPECT_EQ(indices(topClasses(p, 3, {})), (std::vector<int>{1, 2, 4}));
    EXPECT_EQ(indices(topClasses(std::vector<float>(8, 0.125f), 4, {})), (std::vector<int>{0, 1, 2, 3}));
}

TEST(TopK, KIsClampedToOneAndTheClassCount)
{
    const std::vector<float> p = {0.2f, 0.7f, 0.1f};
    EXPECT_EQ(indices(topClasses(p, 10, {})), (std::vector<int>{1, 0, 2}));
    EXPECT_EQ(indices(topClasses(p, 3, {})), (std::vector<int>{1, 0, 2}));
    EXPECT_EQ(indices(topClasses(p, 0, {})), (std::vector<int>{1}));
    EXPECT_EQ(indices(topClasses(p, -4, {})), (std::vector<int>{1}));
    EXPECT_TRUE(topClasses({}, 5, {"a"}).empty());
}

TEST(TopK, NaNRanksFirstAsInTorchTopk)
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> p = {0.3f, nan, 0.6f, nan, 0.1f};
    EXPECT_EQ(indices(topClasses(p, 5, {})), (std::vector<int>{1, 3, 2, 0, 4}));
}

TEST(TopK, LabelsPastTheListAreNumbered)
{
    const auto top = topClasses({0.1f, 0.2f, 0.7f}, 3, {"zero", "one"});
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].label, "class 2");
    EXPECT_EQ(top[1].label, "one");
    EXPECT_EQ(top[2].label, "zero");
    EXPECT_EQ(classLabel(1, {"zero", "one"}), "one");
    EXPECT_EQ(classLabel(7, {"zero", "one"}), "class 7");
    EXPECT_EQ(classLabel(-1, {"zero"}), "class -1");
}
