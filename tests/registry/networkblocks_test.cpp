// The registry against the real ConvLens networks (the default block-name provider). These pass once the
// network families are implemented; with a family still a stub, they fail naming the architecture.

#include "core/models/networkfactory.h"
#include "core/registry/modelregistry.h"
#include "core/registry/networkblocknames.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <gtest/gtest.h>

namespace convlens {
namespace {

std::vector<std::string> torchvisionBlocks(const std::string& id)
{
    QFile file(QStringLiteral(CONVLENS_FIXTURE_DIR "/registry/torchvision.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject models =
        QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("models")).toObject();
    std::vector<std::string> out;
    for (const QJsonValue& block :
         models.value(QString::fromStdString(id)).toObject().value(QStringLiteral("blocks")).toArray())
        out.push_back(block.toString().toStdString());
    return out;
}

class RealNetworkBlocks : public testing::TestWithParam<std::string> {};

TEST_P(RealNetworkBlocks, MatchTorchvisionChain)
{
    const std::vector<std::string> expected = torchvisionBlocks(GetParam());
    ASSERT_FALSE(expected.empty()) << "fixture missing for " << GetParam();
    auto names = networkBlockNames(GetParam(), 1000);
    ASSERT_TRUE(names) << names.message();
    EXPECT_EQ(names.value(), expected);
}

INSTANTIATE_TEST_SUITE_P(Architectures, RealNetworkBlocks, testing::ValuesIn(architectureIds()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(RealNetworkRegistry, BundledRegistryLoads)
{
    auto registry = ModelRegistry::loadFile(CONVLENS_SOURCE_DIR "/model_registry.yaml");
    ASSERT_TRUE(registry) << registry.message();
    EXPECT_EQ(registry->models().size(), architectureIds().size());
}

}  // namespace
}  // namespace convlens
