// The Fields<T> descriptions cover every member of their structs, and drive the codec, the size estimate and the
// test equality: changing any one field of a result, however deeply nested, is seen by expectSameResult (with the
// field's path in the message) and survives a round trip through the codec.

#include "core/jobs/resultcodec.h"
#include "tests/jobs/sampleresult.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace convlens {

// Two-field structs for the codec fingerprint: the same wire types under other names, in another order, or with
// another type.
struct SchemaBase {
    int count = 0;
    float value = 0.0f;
};
struct SchemaSame : SchemaBase {};
struct SchemaRenamed : SchemaBase {};
struct SchemaSwapped : SchemaBase {};
struct SchemaWider {
    int64_t count = 0;
    float value = 0.0f;
};
template <>
struct Fields<SchemaBase> {
    static constexpr std::tuple list{field("count", &SchemaBase::count), field("value", &SchemaBase::value)};
};
template <>
struct Fields<SchemaSame> {
    static constexpr std::tuple list{field("count", &SchemaSame::count), field("value", &SchemaSame::value)};
};
template <>
struct Fields<SchemaRenamed> {
    static constexpr std::tuple list{field("count", &SchemaRenamed::count), field("mean", &SchemaRenamed::value)};
};
template <>
struct Fields<SchemaSwapped> {
    static constexpr std::tuple list{field("value", &SchemaSwapped::value), field("count", &SchemaSwapped::count)};
};
template <>
struct Fields<SchemaWider> {
    static constexpr std::tuple list{field("count", &SchemaWider::count), field("value", &SchemaWider::value)};
};

namespace {

using testing::expectSameResult;
using testing::sampleResult;

// Changes the `target`-th leaf (number, string, image, map, number vector) of a described struct, visited in field
// order (vectors of structs: their last element); `path` is that leaf's path as expectSame spells it. With a
// target past the end it changes nothing and `seen` counts the leaves.
struct Mutator {
    int target = -1;
    int seen = 0;
    std::string path;

    bool hit(const std::string& p)
    {
        if (seen++ != target)
            return false;
        path = p;
        return true;
    }

    void visit(std::string& v, const std::string& p)
    {
        if (hit(p))
            v += '!';
    }
    void visit(bool& v, const std::string& p)
    {
        if (hit(p))
            v = !v;
    }
    void visit(std::integral auto& v, const std::string& p)
    {
        if (hit(p))
            v += 1;
    }
    void visit(std::floating_point auto& v, const std::string& p)
    {
        if (hit(p))
            v += 1;
    }
    void visit(QImage& v, const std::string& p)
    {
        if (hit(p))
            v.invertPixels();
    }
    void visit(std::map<std::string, double>& v, const std::string& p)
    {
        if (hit(p))
            v["mutated"] = 1.0;
    }
    template <typename T>
    void visit(std::vector<T>& v, const std::string& p)
    {
        if constexpr (std::is_arithmetic_v<T>) {
            if (hit(p))
                v.push_back(T(1));
        } else {
            ASSERT_FALSE(v.empty()) << p << ": the sample result must fill every vector";
            visit(v.back(), p + "[" + std::to_string(v.size() - 1) + "]");
        }
    }
    template <Described T>
    void visit(T& v, const std::string& p)
    {
        forEachField<T>([&](const auto& f) { visit(v.*f.member, p.empty() ? std::string(f.name) : p + "." + f.name); });
    }
};

// The messages of the failures expectSameResult(a, b) reports, without failing this test.
std::vector<std::string> differences(const AnalysisResult& a, const AnalysisResult& b)
{
    ::testing::TestPartResultArray failures;
    {
        ::testing::ScopedFakeTestPartResultReporter reporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        expectSameResult(a, b);
    }
    std::vector<std::string> messages;
    for (int i = 0; i < failures.size(); ++i)
        messages.push_back(failures.GetTestPartResult(i).message());
    return messages;
}

int leafCount(const AnalysisResult& sample)
{
    AnalysisResult copy = sample;
    Mutator counter;
    counter.visit(copy, std::string());
    return counter.seen;
}

// C++ cannot list a struct's members, but it can tell where the described ones lie: sorted by offset they must
// follow each other with no more than alignment padding between them and fill the struct to its end. A member left
// out of the description leaves a gap (all but one hidden in the padding before the next member or the end).
template <Described T>
void expectDescriptionCoversStruct(const char* name)
{
    struct Span {
        std::size_t offset, size, align;
        const char* field;
    };
    const T object{};
    const auto base = reinterpret_cast<const char*>(&object);
    std::vector<Span> spans;
    forEachField<T>([&](const auto& f) {
        using Type = typename std::remove_cvref_t<decltype(f)>::Type;
        const auto at = reinterpret_cast<const char*>(&(object.*f.member));
        spans.push_back(Span{static_cast<std::size_t>(at - base), sizeof(Type), alignof(Type), f.name});
    });
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.offset < b.offset; });
    const auto alignUp = [](std::size_t n, std::size_t a) { return (n + a - 1) / a * a; };
    std::size_t end = 0;
    for (const Span& span : spans) {
        EXPECT_EQ(span.offset, alignUp(end, span.align))
            << name << ": an undescribed member (or two described at once) before " << span.field;
        end = span.offset + span.size;
    }
    EXPECT_EQ(alignUp(end, alignof(T)), sizeof(T)) << name << ": an undescribed member at the end";
}

TEST(ResultFieldsTest, DescriptionsCoverEveryMember)
{
    expectDescriptionCoversStruct<ClassScore>("ClassScore");
    expectDescriptionCoversStruct<Prediction>("Prediction");
    expectDescriptionCoversStruct<ChannelStats>("ChannelStats");
    expectDescriptionCoversStruct<ChannelTile>("ChannelTile");
    expectDescriptionCoversStruct<LayerResult>("LayerResult");
    expectDescriptionCoversStruct<Faithfulness>("Faithfulness");
    expectDescriptionCoversStruct<CamResult>("CamResult");
    expectDescriptionCoversStruct<AnalysisResult>("AnalysisResult");
}

TEST(ResultFieldsTest, CodecVersionFollowsTheDescriptions)
{
    constexpr quint32 seed = 2166136261u;
    constexpr quint32 base = codec::schemaHash<SchemaBase>(seed);
    static_assert(codec::schemaHash<SchemaSame>(seed) == base);
    EXPECT_NE(codec::schemaHash<SchemaRenamed>(seed), base);
    EXPECT_NE(codec::schemaHash<SchemaSwapped>(seed), base);
    EXPECT_NE(codec::schemaHash<SchemaWider>(seed), base);
    EXPECT_NE(codec::schemaHash<std::vector<SchemaBase>>(seed), base);
    // A nested struct's change reaches the result's version.
    EXPECT_NE(codec::schemaHash<std::vector<SchemaBase>>(seed), codec::schemaHash<std::vector<SchemaSwapped>>(seed));
    // Not one of the hand-numbered versions of old cache files.
    EXPECT_GT(kResultCodecVersion, 2u);
}

TEST(ResultFieldsTest, EqualityAndCodecSeeEveryField)
{
    const AnalysisResult sample = sampleResult(4);
    EXPECT_TRUE(differences(sample, sample).empty());
    const int leaves = leafCount(sample);
    // Today 38: sha256, model, weights, input, a class score's 3, logits, a layer's 15 (its channel stats' 4 and
    // a tile's 4 included), a CAM's 14 (faithfulness' 4 included), timings. A walk that stopped early counts fewer.
    ASSERT_GE(leaves, 38);

    for (int i = 0; i < leaves; ++i) {
        AnalysisResult changed = sample;
        Mutator mutator;
        mutator.target = i;
        mutator.visit(changed, std::string());
        ASSERT_FALSE(mutator.path.empty()) << "leaf " << i;
        SCOPED_TRACE(mutator.path);

        const std::vector<std::string> seen = differences(sample, changed);
        ASSERT_FALSE(seen.empty()) << "expectSameResult misses a change of " << mutator.path;
        EXPECT_NE(seen.front().find(mutator.path), std::string::npos) << seen.front();

        Expected<AnalysisResult> decoded = decodeResult(encodeResult(changed));
        ASSERT_TRUE(decoded) << decoded.message();
        EXPECT_TRUE(differences(changed, *decoded).empty()) << "the codec loses a change of " << mutator.path;
    }
}

TEST(ResultFieldsTest, FieldPathsNameTheStructsFields)
{
    // The paths are the JSON names: spot-check a few, nested and inlined ones included.
    const AnalysisResult sample = sampleResult(4);
    std::vector<std::string> paths;
    for (int i = 0, n = leafCount(sample); i < n; ++i) {
        AnalysisResult changed = sample;
        Mutator mutator;
        mutator.target = i;
        mutator.visit(changed, std::string());
        paths.push_back(mutator.path);
    }
    const auto has = [&](const std::string& p) { return std::find(paths.begin(), paths.end(), p) != paths.end(); };
    EXPECT_TRUE(has("sha256"));
    EXPECT_TRUE(has("prediction.predictions[4].probability"));
    EXPECT_TRUE(has("prediction.logits"));
    EXPECT_TRUE(has("layers[1].channel[63].dead"));
    EXPECT_TRUE(has("layers[1].top_channels[2].image"));
    EXPECT_TRUE(has("cams[1].guided"));
    EXPECT_TRUE(has("cams[1].faithfulness.masked_confidence"));
    EXPECT_TRUE(has("timings_ms"));
}

TEST(ResultFieldsTest, ApproximateBytesCountsEveryBuffer)
{
    const AnalysisResult r = sampleResult(2, 3, 4, 20);
    std::size_t buffers = static_cast<std::size_t>(r.input.sizeInBytes()) + r.prediction.logits.size() * sizeof(float);
    for (const LayerResult& layer : r.layers) {
        buffers += layer.channels.size() * sizeof(ChannelStats) + layer.histogram.size() * sizeof(float);
        for (const ChannelTile& tile : layer.tiles)
            buffers += static_cast<std::size_t>(tile.image.sizeInBytes());
    }
    for (const CamResult& cam : r.cams)
        buffers += (cam.grid.size() + cam.heatmap.size() + cam.guided.size()) * sizeof(float);
    const std::size_t estimate = approximateBytes(r);
    EXPECT_GE(estimate, buffers + sizeof(AnalysisResult));
    // An estimate, not a multiple: the structs and strings around the buffers are a small part.
    EXPECT_LE(estimate, buffers * 2);

    // One more tile is counted with its pixels (measured on the copy: copying vectors drops their spare capacity).
    AnalysisResult bigger = r;
    const std::size_t before = approximateBytes(bigger);
    bigger.layers[0].tiles.push_back(ChannelTile{1, 0.5f, QImage(100, 100, QImage::Format_Grayscale8), {}});
    EXPECT_GE(approximateBytes(bigger), before + 100 * 100);
}

}  // namespace
}  // namespace convlens
