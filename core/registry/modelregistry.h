#pragma once
// ModelRegistry: model_registry.yaml (or a user registry of the same shape) loaded into validated ModelSpecs.
//
// Validation is complete: every field is checked for presence, type and value, unknown fields are rejected,
// label files are read and counted, and the stages, taps and CAM target of each model are checked against the
// block names of its real network. The first problem found is the error; its message names the file, the
// 1-based line and the field, e.g.
//   model_registry.yaml:123: taps of resnet18: 'layer5.0' is not a block of resnet18 (blocks: conv1, ...)
//
// Ownership: a loaded registry is a value; copy or move it freely. Threads: loading touches only its own
// data (and builds networks when the default block-name provider is used), so any thread may load; a loaded
// registry may be read from any thread. Failure: load* return an Error, they never throw.

#include "core/common/expected.h"
#include "core/registry/modelspec.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace convlens {

class ModelRegistry {
public:
    // The block names of the network `architecture` with `numClasses` outputs, in forward order, or nullopt
    // when that network cannot be built. Called once per distinct (architecture, numClasses) during a load.
    using BlockNamesProvider =
        std::function<std::optional<std::vector<std::string>>(const std::string& architecture, int numClasses)>;

    // Loads and validates the registry at `path`. An empty provider builds the real networks
    // (createNetwork(architecture, numClasses)->blockNames()); tests inject torchvision's block lists.
    static Expected<ModelRegistry> loadFile(const std::string& path, BlockNamesProvider provider = {});

    // loadFile(defaultRegistryPath()) with the real networks.
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
    // loadWithUser() with an explicit built-in registry and block-name provider (tests).
    static Expected<ModelRegistry> loadMerged(const std::string& builtinPath, const std::string& userPath,
                                              BlockNamesProvider provider = {});
    // QStandardPaths::AppConfigLocation + "/models.yaml", or "" when there is no such location.
    static std::string userRegistryPath();

    // The models in file order.
    const std::vector<ModelSpec>& models() const { return mModels; }
    // The model with this id, or nullptr. The pointer lives as long as this registry, unmodified.
    const ModelSpec* find(const std::string& id) const;

    // The display categories in file order.
    const std::vector<CategorySpec>& categories() const { return mCategories; }
    // The category called `name`, or nullptr.
    const CategorySpec* findCategory(const std::string& name) const;

    // The file this registry was loaded from, as given to loadFile.
    const std::string& path() const { return mPath; }
    // The user registry merged into this one by loadWithUser/loadMerged, or "".
    const std::string& userPath() const { return mUserPath; }

private:
    static Expected<ModelRegistry> load(const std::string& path, BlockNamesProvider provider,
                                        const std::vector<CategorySpec>* baseCategories);

    std::string mPath;
    std::string mUserPath;
    std::vector<ModelSpec> mModels;
    std::vector<CategorySpec> mCategories;
};

}  // namespace convlens
