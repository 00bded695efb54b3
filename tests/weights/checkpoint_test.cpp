#include "core/weights/checkpoint.h"

#include "tests/weights/fixtureutil.h"

#include <QJsonObject>

#include <filesystem>

namespace convlens {
namespace {

using test::expectedStateDict;
using test::expectSameStateDict;
using test::weightFixture;

StateDict mustRead(const std::string& path)
{
    auto sd = readCheckpoint(path);
    EXPECT_TRUE(sd.ok()) << (sd.ok() ? "" : sd.message());
    return sd.ok() ? *sd : StateDict{};
}

const torch::Tensor& entry(const StateDict& sd, const std::string& name)
{
    for (const auto& [key, tensor] : sd) {
        if (key == name) {
            return tensor;
        }
    }
    ADD_FAILURE() << "no entry " << name;
    static const torch::Tensor kNone;
    return kNone;
}

TEST(Checkpoint, DetectsFormats)
{
    EXPECT_EQ(detectCheckpointFormat(weightFixture("good/resnet18.zip.pth")), CheckpointFormat::Zip);
    EXPECT_EQ(detectCheckpointFormat(weightFixture("good/resnet18.legacy.pth")), CheckpointFormat::Legacy);
    EXPECT_EQ(detectCheckpointFormat(weightFixture("good/mixed.safetensors")), CheckpointFormat::Safetensors);
    EXPECT_EQ(detectCheckpointFormat(weightFixture("hostile/old.tar.pth")), CheckpointFormat::Tar);
    EXPECT_EQ(detectCheckpointFormat(weightFixture("hostile/plain_text.pth")), CheckpointFormat::Unknown);
    EXPECT_EQ(detectCheckpointFormat(weightFixture("good/no_such_file.pth")), CheckpointFormat::Unknown);
}

TEST(Checkpoint, ResnetZipAndLegacyMatchPython)
{
    const StateDict expected = expectedStateDict("resnet18");
    const StateDict zip = mustRead(weightFixture("good/resnet18.zip.pth"));
    const StateDict legacy = mustRead(weightFixture("good/resnet18.legacy.pth"));
    expectSameStateDict(zip, expected);
    expectSameStateDict(legacy, expected);
    expectSameStateDict(legacy, zip);
    EXPECT_EQ(entry(zip, "fc.weight").sizes(), (std::vector<int64_t>{1000, 512}));
    EXPECT_EQ(entry(zip, "bn1.num_batches_tracked").scalar_type(), torch::kInt64);
}

class MixedCheckpoint : public ::testing::TestWithParam<const char*> {};

TEST_P(MixedCheckpoint, DtypesViewsAndMetadataMatchPython)
{
    const StateDict sd = mustRead(weightFixture(std::string("good/") + GetParam()));
    expectSameStateDict(sd, expectedStateDict("mixed"));
    if (sd.empty()) {
        return;
    }
    EXPECT_EQ(entry(sd, "half").scalar_type(), torch::kFloat16);
    EXPECT_EQ(entry(sd, "bfloat").scalar_type(), torch::kBFloat16);
    EXPECT_EQ(entry(sd, "long").scalar_type(), torch::kInt64);
    EXPECT_EQ(entry(sd, "flag").scalar_type(), torch::kBool);
    EXPECT_EQ(entry(sd, "scalar").dim(), 0);
    EXPECT_EQ(entry(sd, "empty").numel(), 0);
    if (std::string(GetParam()).find("safetensors") != std::string::npos) {
        return;  // safetensors stores every tensor contiguous and separately
    }
    // Views keep Python's layout and share one storage, as torch.load gives them.
    const auto& base = entry(sd, "base");
    const auto& transposed = entry(sd, "transposed");
    EXPECT_FALSE(transposed.is_contiguous());
    EXPECT_EQ(transposed.strides(), (std::vector<int64_t>{1, 6}));
    EXPECT_TRUE(transposed.is_alias_of(base));
    EXPECT_EQ(entry(sd, "row2").storage_offset(), 12);
    EXPECT_TRUE(entry(sd, "row2").is_alias_of(base));
    EXPECT_EQ(entry(sd, "strided").strides(), (std::vector<int64_t>{6, 2}));
    // Tensors own their memory: it outlives everything the reader used.
    EXPECT_TRUE(torch::equal(transposed.t(), base));
}

INSTANTIATE_TEST_SUITE_P(Formats, MixedCheckpoint,
                         ::testing::Values("mixed.zip.pth", "mixed.legacy.pth", "mixed.safetensors"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                             const std::string name = info.param;
                             for (const char* format : {"zip", "legacy"}) {
                                 if (name.find(format) != std::string::npos) {
                                     return std::string(format);
                                 }
                             }
                             return std::string("safetensors");
                         });

TEST(Checkpoint, SwapsBigEndianZipStorages)
{
    expectSameStateDict(mustRead(weightFixture("good/bigendian.zip.pth")), expectedStateDict("bigendian"));
}

// Files from torch < 1.0 may hold tensors in views of a storage; offsets count from the view.
TEST(Checkpoint, ReadsLegacyStorageViewsAsPythonDoes)
{
    const StateDict sd = mustRead(weightFixture("good/storage_views.legacy.pth"));
    expectSameStateDict(sd, expectedStateDict("storage_views"));
    if (sd.size() == 2) {
        EXPECT_TRUE(sd[1].second.is_alias_of(sd[0].second));
        EXPECT_EQ(sd[1].second.storage_offset(), 5);
    }
}

TEST(Checkpoint, UnwrapsStateDictAndStripsModulePrefix)
{
    const StateDict expected = expectedStateDict("small");
    expectSameStateDict(mustRead(weightFixture("good/wrapped_state_dict.pth")), expected);
    expectSameStateDict(mustRead(weightFixture("good/wrapped_model.pth")), expected);
}

TEST(Checkpoint, MissingFileIsAnError)
{
    const std::string path = weightFixture("good/no_such_file.pth");
    auto sd = readCheckpoint(path);
    ASSERT_FALSE(sd.ok());
    EXPECT_NE(sd.message().find(path), std::string::npos) << sd.message();
}

// Every hostile or broken file is refused with an error naming the file and the problem, and nothing in it ran.
TEST(Checkpoint, RefusesHostileFiles)
{
    const std::string marker = weightFixture("hostile/PWNED");
    ASSERT_FALSE(std::filesystem::exists(marker)) << "the fixture script itself ran a hostile pickle";
    const QJsonObject manifest =
        QJsonDocument::fromJson(test::readAll(weightFixture("hostile/manifest.json"))).object();
    ASSERT_GE(manifest.size(), 20);
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
        const std::string path = weightFixture("hostile/" + it.key().toStdString());
        const std::string phrase = it.value().toString().toStdString();
        SCOPED_TRACE(path);
        ASSERT_TRUE(std::filesystem::exists(path));
        auto sd = readCheckpoint(path);
        ASSERT_FALSE(sd.ok()) << "accepted a hostile file";
        EXPECT_NE(sd.message().find(path), std::string::npos) << sd.message();
        EXPECT_NE(sd.message().find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << sd.message();
    }
    EXPECT_FALSE(std::filesystem::exists(marker)) << "a hostile pickle executed os.system";
}

}  // namespace
}  // namespace convlens
