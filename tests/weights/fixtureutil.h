#pragma once
// Test helpers: paths of the generated weight fixtures and the raw values Python dumped beside them.

#include "core/weights/statedict.h"

#include <gtest/gtest.h>
#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QString>

#include <cstring>
#include <map>
#include <string>

namespace convlens::test {

inline std::string weightFixture(const std::string& relative)
{
    return std::string(CONVLENS_FIXTURE_DIR) + "/weights/" + relative;
}

inline QByteArray readAll(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path;
    return file.readAll();
}

// The state_dict Python saved, from good/<stem>.expected.json + .expected.bin.
inline StateDict expectedStateDict(const std::string& stem)
{
    static const std::map<QString, torch::ScalarType> kDtypes = {
        {QStringLiteral("float32"), torch::kFloat32}, {QStringLiteral("float64"), torch::kFloat64},
        {QStringLiteral("float16"), torch::kFloat16}, {QStringLiteral("bfloat16"), torch::kBFloat16},
        {QStringLiteral("int64"), torch::kInt64},     {QStringLiteral("int32"), torch::kInt32},
        {QStringLiteral("int16"), torch::kInt16},     {QStringLiteral("int8"), torch::kInt8},
        {QStringLiteral("uint8"), torch::kUInt8},     {QStringLiteral("bool"), torch::kBool},
    };
    const QByteArray json = readAll(weightFixture("good/" + stem + ".expected.json"));
    const QByteArray blob = readAll(weightFixture("good/" + stem + ".expected.bin"));
    StateDict result;
    for (const auto& entryValue : QJsonDocument::fromJson(json).array()) {
        const QJsonArray entry = entryValue.toArray();
        std::vector<int64_t> shape;
        for (const auto& dim : entry[2].toArray()) {
            shape.push_back(dim.toInteger());
        }
        auto tensor = torch::empty(shape, torch::TensorOptions().dtype(kDtypes.at(entry[1].toString())));
        const auto offset = entry[3].toInteger();
        const auto bytes = static_cast<qsizetype>(tensor.nbytes());
        EXPECT_LE(offset + bytes, blob.size());
        if (bytes > 0) {
            std::memcpy(tensor.data_ptr(), blob.constData() + offset, static_cast<size_t>(bytes));
        }
        result.emplace_back(entry[0].toString().toStdString(), tensor);
    }
    EXPECT_FALSE(result.empty()) << stem;
    return result;
}

// Same names in the same order, same dtypes and shapes, bit-identical values.
inline void expectSameStateDict(const StateDict& actual, const StateDict& expected)
{
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
        SCOPED_TRACE(expected[i].first);
        EXPECT_EQ(actual[i].first, expected[i].first);
        EXPECT_EQ(actual[i].second.scalar_type(), expected[i].second.scalar_type());
        EXPECT_EQ(actual[i].second.sizes(), expected[i].second.sizes());
        EXPECT_TRUE(torch::equal(actual[i].second, expected[i].second));
    }
}

}  // namespace convlens::test
