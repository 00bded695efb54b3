// Fuzz target: the model registry parser (core/registry/modelregistry.h), YAML text → validated ModelSpecs. The
// input is written as model_registry.yaml into a scratch folder that also holds the labels files the repository's
// registries name (resources/labels/*, labels3.txt, ...), so inputs derived from them get past the label checks.
// An input whose first line is "# user" is also loaded as a user registry on top of the built-in one
// (ModelRegistry::loadMerged), which has its own rules (weights.path, optional categories, id clashes).
//
// Contract checked: a registry or an Error (kind BadInput) for any text; no crash, stack exhaustion, leak or
// uncaught exception. A registry that loads has models that each carry as many labels as classes.

#include "core/registry/modelregistry.h"
#include "tests/fuzz/fuzzinput.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace {

namespace fs = std::filesystem;

// The scratch folder with the labels files and a copy of the built-in registry (once per process).
const fs::path& registryDir()
{
    static const fs::path dir = [] {
        const fs::path source = CONVLENS_SOURCE_DIR;
        const fs::path& scratch = convlens::fuzz::scratchDir();
        fs::create_directories(scratch / "resources" / "labels");
        fs::create_directories(scratch / "failures");
        const auto copy = [](const fs::path& from, const fs::path& to) {
            fs::copy_file(from, to, fs::copy_options::overwrite_existing);
        };
        for (const auto& entry : fs::directory_iterator(source / "resources" / "labels")) {
            if (entry.path().extension() == ".txt") {
                copy(entry.path(), scratch / "resources" / "labels" / entry.path().filename());
            }
        }
        for (const char* folder : {"inputs", "failures"}) {
            for (const auto& entry : fs::directory_iterator(source / "tests" / "registry" / folder)) {
                if (entry.path().extension() == ".txt") {
                    copy(entry.path(), scratch / entry.path().filename());
                    copy(entry.path(), scratch / "failures" / entry.path().filename());
                }
            }
        }
        copy(source / "model_registry.yaml", scratch / "builtin.yaml");
        return scratch;
    }();
    return dir;
}

void checkLoaded(const convlens::Expected<convlens::ModelRegistry>& registry)
{
    if (!registry) {
        if (registry.kind() != convlens::ErrorKind::BadInput) {
            std::fprintf(stderr, "fuzz_registry: error of kind %d: %s\n", int(registry.kind()),
                         registry.message().c_str());
            std::abort();
        }
        return;
    }
    for (const auto& model : registry->models()) {
        if (model.labels.size() != static_cast<size_t>(model.numClasses)) {
            std::fprintf(stderr, "fuzz_registry: %s has %zu labels for %d classes\n", model.id.c_str(),
                         model.labels.size(), int(model.numClasses));
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const fs::path& dir = registryDir();
    const std::string path = convlens::fuzz::writeScratchFile("model_registry.yaml", data, size);
    checkLoaded(convlens::ModelRegistry::loadFile(path));
    if (size >= 6 && std::memcmp(data, "# user", 6) == 0) {
        checkLoaded(convlens::ModelRegistry::loadMerged((dir / "builtin.yaml").string(), path));
    }
    return 0;
}
