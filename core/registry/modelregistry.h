#pragma once
// ModelRegistry: model_registry.yaml (or a user registry of the same shape) loaded into validated ModelSpecs.
//
// A schema parser and nothing else: it builds no network and links nothing of torch, so reading the registry is
// cheap (`convlens-cli models` starts in milliseconds). Every field is checked for presence, type and value,
// unknown fields are rejected, label files are read and counted, and each model is checked for consistency:
// the architecture is one of architectureIds(), no block is listed in two stages, a stage named after a block
// ends with it, and taps and the CAM target are blocks the stages list. The first problem found is the error
// (kind BadInput); its message names the file, the 1-based line and the field, e.g.
//   model_registry.yaml:123: taps of resnet18: 'layer5.0' is not a block of any stage of resnet18 (blocks: ...)
// Whether the stages list exactly the blocks of the real network is checked where a network is built anyway
// (checkBlocks in core/models/networkfactory.h, used by the analyzer and the network description).
//
// `weights.serialization` (zip | legacy) is accepted and ignored: the checkpoint reader recognises the format
// from the file's own bytes (and also reads safetensors), so nothing ever read the field. Registries written
// for earlier versions still load.
//
// Ownership: a loaded registry is a value; copy or move it freely. Threads: loading touches only its own data,
// so any thread may load; a loaded registry may be read from any thread. Failure: load* return an Error, they
// never throw.

#include "core/common/expected.h"
#include "core/registry/modelspec.h"

#include <string>
#include <vector>

namespace convlens {

class ModelRegistry {
public:
    // Loads and validates the registry at `path`.
    static Expected<ModelRegistry> loadFile(const std::string& path);

    // loadFile(defaultRegistryPath()).
    static Expected<ModelRegistry> loadDefault();

    // The bundled registry: convlens::dataFile("model_registry.yaml") (core/common/datapaths.h).
    static std::string defaultRegistryPath();

    // The built-in registry plus a user registry: `userPath` (e.g. from --registry FILE), or when empty
    // userRegistryPath() if that file exists. The user file has the built-in schema (see model_registry.yaml)
    // and is validated the same way; its `categories` may be omitted (the built-in ones are known to it), and
    // weights may name a local checkpoint with `path:` (relative to the user file) instead of a download. Its
    // models come after the built-in ones. Error: either file is invalid (the message names it), an explicitly
    // given user file does not exist, or a user id is also a built-in id (the message names both files).
    static Expected<ModelRegistry> loadWithUser(const std::string& userPath);
    // loadWithUser() with an explicit built-in registry (tests).
    static Expected<ModelRegistry> loadMerged(const std::string& builtinPath, const std::string& userPath);
    // QStandardPaths::AppConfigLocation + "/models.yaml", or "" when there is no such location.
    static std::string userRegistryPath();

    // The models in file order.
    const std::vector<ModelSpec>& models() const { return mModels; }
    // The model with this id, or nullptr. The pointer lives as long as this registry, unmodified.
    const ModelSpec* find(const std::string& id) const;
    // find(), or an Error (kind BadInput) naming the unknown id and every known one.
    Expected<const ModelSpec*> require(const std::string& id) const;

    // The display categories in file order.
    const std::vector<CategorySpec>& categories() const { return mCategories; }
    // The category called `name`, or nullptr.
    const CategorySpec* findCategory(const std::string& name) const;

    // The file this registry was loaded from, as given to loadFile.
    const std::string& path() const { return mPath; }
    // The user registry merged into this one by loadWithUser/loadMerged, or "".
    const std::string& userPath() const { return mUserPath; }

private:
    static Expected<ModelRegistry> load(const std::string& path, const std::vector<CategorySpec>* baseCategories);

    std::string mPath;
    std::string mUserPath;
    std::vector<ModelSpec> mModels;
    std::vector<CategorySpec> mCategories;
};

}  // namespace convlens
