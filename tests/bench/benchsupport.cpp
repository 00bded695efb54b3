#include "benchsupport.h"

#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/registry/modelregistry.h"

#include <QDir>
#include <QFileInfo>

#include <cstdlib>
#include <optional>

namespace convlens::bench {

namespace {

std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

}  // namespace

const ModelSpec* findSpec(const std::string& id)
{
    static const std::optional<ModelRegistry> registry = [] {
        auto loaded = ModelRegistry::loadDefault();
        return loaded ? std::optional<ModelRegistry>(std::move(*loaded)) : std::nullopt;
    }();
    return registry ? registry->find(id) : nullptr;
}

int applyBenchThreads()
{
    const std::string threads = environment("CONVLENS_BENCH_THREADS");
    setInferenceThreads(threads.empty() ? 0 : std::atoi(threads.c_str()));
    return applyInferenceThreads();
}

QString fixtureWeights(const ModelSpec& spec, std::string* why)
{
    const std::string configured = environment("CONVLENS_BENCH_MODELS");
    const QString folder = QString::fromStdString(configured.empty() ? std::string(CONVLENS_FIXTURE_DIR) + "/models"
                                                                     : configured);
    const QString path = QDir(folder).filePath(QString::fromStdString(spec.weights.file));
    if (QFileInfo(path).isFile())
        return path;
    if (why)
        *why = path.toStdString() + " is missing: run `ctest -R fixture.models` in the build folder, or set "
                                    "CONVLENS_BENCH_MODELS to a folder of checkpoints";
    return {};
}

const std::vector<Photo>& benchPhotos(std::string* why)
{
    static std::string problem;
    static const std::vector<Photo> photos = [] {
        std::string list = environment("CONVLENS_BENCH_PHOTOS");
        if (list.empty()) {
            const std::string data = "/usr/lib/python3/dist-packages/skimage/data/";
            list = data + "chelsea.png:" + data + "coffee.png:" + data + "astronaut.png";
        }
        std::vector<Photo> loaded;
        for (const QString& path : QString::fromStdString(list).split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
            auto bytes = readImageFile(path);
            auto rgb = bytes ? decodeImageData(*bytes, path) : Expected<QImage>(bytes.error());
            if (!rgb) {
                problem = rgb.message() + " (set CONVLENS_BENCH_PHOTOS, or install python3-skimage)";
                return std::vector<Photo>();
            }
            loaded.push_back({path, *bytes, *rgb});
        }
        return loaded;
    }();
    if (why)
        *why = problem;
    return photos;
}

const std::vector<std::string>& comparedModels()
{
    static const std::vector<std::string> ids = {"resnet18", "resnet50", "mobilenet_v3_large", "convnext_tiny",
                                                 "efficientnet_b3"};
    return ids;
}

}  // namespace convlens::bench
