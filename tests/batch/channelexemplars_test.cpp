// ChannelExemplars: the kept top N per channel equals a full sort of every (file, mean) the test generated, in any
// order of adding; equal means are ordered by file; shards merged give what one tracker gives; JSON round-trips and
// malformed JSON is refused.

#include "core/batch/channelexemplars.h"

#include <QJsonArray>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

namespace convlens {
namespace {

struct Image {
    QString file;
    std::vector<float> means;
};

// `count` images of `channels` channels; means are drawn from a coarse grid so that many are equal.
std::vector<Image> randomImages(unsigned seed, int count, int channels)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> grid(0, 40);
    std::vector<Image> images;
    for (int i = 0; i < count; ++i) {
        Image image{QStringLiteral("cls%1/img%2.jpg").arg(i % 7).arg(i), {}};
        for (int c = 0; c < channels; ++c)
            image.means.push_back(float(grid(rng)) * 0.25f - 2.0f);
        images.push_back(std::move(image));
    }
    return images;
}

// The expected exemplars of channel `c`: every image sorted by mean, high first, then by file; the first n.
std::vector<std::pair<float, QString>> expectedTop(const std::vector<Image>& images, int c, int n)
{
    std::vector<std::pair<float, QString>> all;
    for (const Image& image : images)
        all.emplace_back(-image.means[std::size_t(c)], image.file);
    std::sort(all.begin(), all.end());
    all.resize(std::min<std::size_t>(all.size(), std::size_t(n)));
    for (auto& entry : all)
        entry.first = -entry.first;
    return all;
}

std::vector<std::pair<float, QString>> asPairs(const std::vector<Exemplar>& exemplars)
{
    std::vector<std::pair<float, QString>> out;
    for (const Exemplar& e : exemplars)
        out.emplace_back(e.mean, e.file);
    return out;
}

void expectSame(const ChannelExemplars& a, const ChannelExemplars& b)
{
    ASSERT_EQ(a.channels(), b.channels());
    for (int c = 0; c < a.channels(); ++c)
        EXPECT_EQ(asPairs(a.top(c)), asPairs(b.top(c))) << "channel " << c;
}

TEST(ChannelExemplarsTest, KeepsTheStrongestPerChannelInAnyOrder)
{
    constexpr int kChannels = 16;
    constexpr int kPer = 5;
    std::vector<Image> images = randomImages(3, 240, kChannels);

    ChannelExemplars tracker("resnet18", "layer4", kPer);
    EXPECT_TRUE(tracker.isEmpty());
    for (const Image& image : images)
        ASSERT_TRUE(tracker.add(image.file, image.means));
    EXPECT_EQ(tracker.channels(), kChannels);
    EXPECT_EQ(tracker.perChannel(), kPer);
    EXPECT_EQ(tracker.modelId(), "resnet18");
    EXPECT_EQ(tracker.layer(), "layer4");

    bool sawTie = false;
    for (int c = 0; c < kChannels; ++c) {
        const std::vector<std::pair<float, QString>> expected = expectedTop(images, c, kPer);
        EXPECT_EQ(asPairs(tracker.top(c)), expected) << "channel " << c;
        for (std::size_t i = 1; i < expected.size(); ++i)
            sawTie = sawTie || expected[i].first == expected[i - 1].first;
    }
    EXPECT_TRUE(sawTie) << "the generator should produce equal means";
    EXPECT_TRUE(tracker.top(-1).empty());
    EXPECT_TRUE(tracker.top(kChannels).empty());

    // Reversed and shuffled orders give the very same exemplars.
    std::mt19937 rng(11);
    for (int round = 0; round < 3; ++round) {
        if (round == 0)
            std::reverse(images.begin(), images.end());
        else
            std::shuffle(images.begin(), images.end(), rng);
        ChannelExemplars other("resnet18", "layer4", kPer);
        for (const Image& image : images)
            other.add(image.file, image.means);
        expectSame(other, tracker);
    }
}

TEST(ChannelExemplarsTest, EqualMeansAreOrderedByFile)
{
    ChannelExemplars tracker("m", "l", 3);
    for (const char* file : {"d.jpg", "b.jpg", "a.jpg", "c.jpg"})
        tracker.add(QString::fromUtf8(file), {1.5f});
    const std::vector<Exemplar> top = tracker.top(0);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].file, QStringLiteral("a.jpg"));
    EXPECT_EQ(top[1].file, QStringLiteral("b.jpg"));
    EXPECT_EQ(top[2].file, QStringLiteral("c.jpg"));
}

TEST(ChannelExemplarsTest, FewerImagesThanPerChannelKeepsThemAll)
{
    const std::vector<Image> images = randomImages(8, 4, 3);
    ChannelExemplars tracker("m", "l", 9);
    for (const Image& image : images)
        tracker.add(image.file, image.means);
    for (int c = 0; c < 3; ++c)
        EXPECT_EQ(asPairs(tracker.top(c)), expectedTop(images, c, 9));
}

TEST(ChannelExemplarsTest, ChannelCountIsFixedByTheFirstImage)
{
    ChannelExemplars tracker("m", "l", 2);
    EXPECT_FALSE(tracker.add(QStringLiteral("empty.jpg"), {}));
    EXPECT_TRUE(tracker.isEmpty());
    ASSERT_TRUE(tracker.add(QStringLiteral("a.jpg"), {1.0f, 2.0f, 3.0f}));
    EXPECT_FALSE(tracker.add(QStringLiteral("b.jpg"), {9.0f, 9.0f}));
    EXPECT_FALSE(tracker.add(QStringLiteral("c.jpg"), {9.0f, 9.0f, 9.0f, 9.0f}));
    EXPECT_EQ(tracker.channels(), 3);
    for (int c = 0; c < 3; ++c) {
        ASSERT_EQ(tracker.top(c).size(), 1u);
        EXPECT_EQ(tracker.top(c)[0].file, QStringLiteral("a.jpg"));
    }
}

TEST(ChannelExemplarsTest, AFileIsHeldOnceAtItsStrongest)
{
    ChannelExemplars tracker("m", "l", 3);
    tracker.add(QStringLiteral("a.jpg"), {1.0f, 5.0f});
    tracker.add(QStringLiteral("b.jpg"), {2.0f, 2.0f});
    tracker.add(QStringLiteral("a.jpg"), {3.0f, 0.5f});
    const std::vector<Exemplar> c0 = tracker.top(0);
    ASSERT_EQ(c0.size(), 2u);
    EXPECT_EQ(c0[0].file, QStringLiteral("a.jpg"));
    EXPECT_EQ(c0[0].mean, 3.0f);
    const std::vector<Exemplar> c1 = tracker.top(1);
    ASSERT_EQ(c1.size(), 2u);
    EXPECT_EQ(c1[0].mean, 5.0f);

    // Non-finite means rank nowhere.
    tracker.add(QStringLiteral("nan.jpg"), {std::numeric_limits<float>::quiet_NaN(), 1.0f});
    tracker.add(QStringLiteral("inf.jpg"), {std::numeric_limits<float>::infinity(), 1.0f});
    ASSERT_EQ(tracker.top(0).size(), 2u);
    for (const Exemplar& e : tracker.top(0))
        EXPECT_TRUE(std::isfinite(e.mean));
    EXPECT_EQ(tracker.top(1).size(), 3u);
}

TEST(ChannelExemplarsTest, MergedShardsEqualOneTracker)
{
    constexpr int kChannels = 8;
    constexpr int kPer = 4;
    const std::vector<Image> images = randomImages(21, 300, kChannels);

    ChannelExemplars whole("mobilenet_v2", "features.18", kPer);
    for (const Image& image : images)
        whole.add(image.file, image.means);

    std::mt19937 rng(5);
    std::uniform_int_distribution<int> shardOf(0, 2);
    std::vector<ChannelExemplars> shards(3, ChannelExemplars("mobilenet_v2", "features.18", kPer));
    for (const Image& image : images)
        shards[std::size_t(shardOf(rng))].add(image.file, image.means);

    ChannelExemplars merged("mobilenet_v2", "features.18", kPer);  // empty: the first merge fixes the channels
    for (const ChannelExemplars& shard : shards)
        ASSERT_TRUE(merged.merge(shard));
    expectSame(merged, whole);
    for (int c = 0; c < kChannels; ++c)
        EXPECT_EQ(asPairs(merged.top(c)), expectedTop(images, c, kPer));

    // Merging a shard again (a resumed run reading its own exemplars back) changes nothing.
    ASSERT_TRUE(merged.merge(shards[1]));
    expectSame(merged, whole);

    // Another model, layer or channel count is refused and leaves the tracker as it was.
    EXPECT_FALSE(merged.merge(ChannelExemplars("resnet18", "features.18", kPer)));
    EXPECT_FALSE(merged.merge(ChannelExemplars("mobilenet_v2", "features.17", kPer)));
    ChannelExemplars narrow("mobilenet_v2", "features.18", kPer);
    narrow.add(QStringLiteral("zzz.jpg"), {100.0f, 100.0f});
    EXPECT_FALSE(merged.merge(narrow));
    expectSame(merged, whole);
}

TEST(ChannelExemplarsTest, JsonRoundTrip)
{
    const std::vector<Image> images = randomImages(4, 50, 6);
    ChannelExemplars tracker("convnext_tiny", "features.7", 3);
    for (const Image& image : images)
        tracker.add(image.file, image.means);

    const QJsonObject json = tracker.toJson();
    EXPECT_EQ(json.value(QStringLiteral("model")).toString(), QStringLiteral("convnext_tiny"));
    EXPECT_EQ(json.value(QStringLiteral("layer")).toString(), QStringLiteral("features.7"));
    EXPECT_EQ(json.value(QStringLiteral("per_channel")).toInt(), 3);
    const QJsonArray channels = json.value(QStringLiteral("channels")).toArray();
    ASSERT_EQ(channels.size(), 6);
    const QJsonArray first = channels[0].toArray();
    ASSERT_EQ(first.size(), 3);
    const std::vector<std::pair<float, QString>> expected = expectedTop(images, 0, 3);
    for (qsizetype i = 0; i < first.size(); ++i) {
        EXPECT_EQ(first[i].toObject().value(QStringLiteral("file")).toString(), expected[std::size_t(i)].second);
        EXPECT_EQ(float(first[i].toObject().value(QStringLiteral("mean")).toDouble()), expected[std::size_t(i)].first);
    }

    Expected<ChannelExemplars> back = ChannelExemplars::fromJson(json);
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(back->modelId(), "convnext_tiny");
    EXPECT_EQ(back->layer(), "features.7");
    EXPECT_EQ(back->perChannel(), 3);
    expectSame(*back, tracker);

    Expected<ChannelExemplars> empty = ChannelExemplars::fromJson(ChannelExemplars("m", "l", 9).toJson());
    ASSERT_TRUE(empty) << empty.message();
    EXPECT_TRUE(empty->isEmpty());
}

TEST(ChannelExemplarsTest, MalformedJsonIsRefused)
{
    ChannelExemplars tracker("m", "l", 2);
    tracker.add(QStringLiteral("a.jpg"), {1.0f, 2.0f});
    tracker.add(QStringLiteral("b.jpg"), {3.0f, 4.0f});
    const QJsonObject good = tracker.toJson();

    auto with = [&good](const char* key, const QJsonValue& value) {
        QJsonObject object = good;
        object.insert(QString::fromUtf8(key), value);
        return object;
    };
    auto without = [&good](const char* key) {
        QJsonObject object = good;
        object.remove(QString::fromUtf8(key));
        return object;
    };
    QJsonArray tooMany = good.value(QStringLiteral("channels")).toArray();
    QJsonArray channel0 = tooMany[0].toArray();
    channel0.append(QJsonObject{{QStringLiteral("file"), QStringLiteral("c.jpg")}, {QStringLiteral("mean"), 0.5}});
    tooMany[0] = channel0;
    QJsonArray badMean = good.value(QStringLiteral("channels")).toArray();
    badMean[1] = QJsonArray{QJsonObject{{QStringLiteral("file"), QStringLiteral("c.jpg")},
                                        {QStringLiteral("mean"), QStringLiteral("high")}}};

    const std::vector<std::pair<const char*, QJsonObject>> cases = {
        {"no model", without("model")},
        {"no layer", without("layer")},
        {"no channels", without("channels")},
        {"per_channel 0", with("per_channel", 0)},
        {"per_channel 2.5", with("per_channel", 2.5)},
        {"channels not array", with("channels", QStringLiteral("x"))},
        {"channel not array", with("channels", QJsonArray{1, 2})},
        {"more than per_channel", with("channels", tooMany)},
        {"mean not a number", with("channels", badMean)},
    };
    for (const auto& [what, object] : cases) {
        Expected<ChannelExemplars> read = ChannelExemplars::fromJson(object);
        ASSERT_FALSE(read) << what;
        EXPECT_EQ(read.kind(), ErrorKind::BadInput) << what;
    }
    EXPECT_TRUE(ChannelExemplars::fromJson(good));
}

}  // namespace
}  // namespace convlens
