#include "tests/models/modelfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <fstream>

namespace convlens::test {

namespace {

std::vector<int64_t> toShape(const QJsonArray& array)
{
    std::vector<int64_t> shape;
    for (const QJsonValue& v : array)
        shape.push_back(v.toInteger());
    return shape;
}

}  // namespace

std::string modelFixtureDir()
{
    return std::string(CONVLENS_FIXTURE_DIR) + "/models";
}

Expected<ModelFixture> readModelFixture(const std::string& id)
{
    const std::string dir = modelFixtureDir();
    const std::string path = dir + "/" + id + ".json";
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::Internal, path + ": cannot open the manifest (run the ctest fixture step fixture.models)");
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject())
        return makeError(ErrorKind::Internal, path + ": not a JSON object: " + parseError.errorString().toStdString());
    const QJsonObject root = doc.object();

    ModelFixture fixture;
    fixture.id = id;
    fixture.weightsPath = dir + "/" + root.value(QStringLiteral("weights")).toString().toStdString();
    fixture.inputPath = dir + "/" + root.value(QStringLiteral("input")).toString().toStdString();
    fixture.inputShape = toShape(root.value(QStringLiteral("input_shape")).toArray());
    fixture.logitsPath = dir + "/" + root.value(QStringLiteral("logits")).toString().toStdString();
    fixture.logitsShape = toShape(root.value(QStringLiteral("logits_shape")).toArray());
    for (const QJsonValue& entry : root.value(QStringLiteral("state_dict")).toArray()) {
        const QJsonArray pair = entry.toArray();
        if (pair.size() != 2 || !pair[0].isString() || !pair[1].isArray())
            return makeError(ErrorKind::Internal, path + ": a state_dict entry is not [key, shape]");
        fixture.stateDict[pair[0].toString().toStdString()] = toShape(pair[1].toArray());
    }
    if (fixture.stateDict.empty() || fixture.inputShape.size() != 4 || fixture.logitsShape.size() != 2)
        return makeError(ErrorKind::Internal, path + ": missing state_dict, input_shape or logits_shape");
    return fixture;
}

Expected<torch::Tensor> readFloat32Tensor(const std::string& path, const std::vector<int64_t>& shape)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorKind::Internal, path + ": cannot open");
    torch::Tensor tensor = torch::empty(shape, torch::kFloat32);
    const auto bytes = static_cast<std::streamsize>(tensor.numel() * sizeof(float));
    in.read(static_cast<char*>(tensor.data_ptr()), bytes);
    if (in.gcount() != bytes || in.peek() != std::char_traits<char>::eof())
        return makeError(ErrorKind::Internal, path + ": size does not match shape " + c10::str(c10::IntArrayRef(shape)));
    return tensor;
}

}  // namespace convlens::test
