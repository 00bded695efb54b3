#pragma once
// ModelSpec: one model of the registry (model_registry.yaml), validated. Plain data, no torch; copy freely,
// read from any thread.

#include "core/image/preprocessspec.h"

#include <string>
#include <vector>

namespace convlens {

struct WeightsSpec {
    std::string file;          // checkpoint file name, "<name>-<sha256Prefix>.pth" (with `path`: its file name)
    std::string url;           // download location; empty when the entry has none
    std::string sha256Prefix;  // the hex digits of the file name after its last '-' (lower case); may be empty
                               // only for an entry with a local `path` whose file name has none
    std::string sha256;        // the full digest (64 hex digits, lower case) when the registry gives one, else empty
    std::string path;  // a local checkpoint (weights.path, absolute, resolved against the registry file's folder;
                       // user registries); empty when the entry has none and the file comes from the WeightStore
};

// A display group of consecutive blocks. Together a model's stages list every block of its network in order.
struct StageSpec {
    std::string name;  // e.g. "layer3"; used as a block reference it means the stage's last block
    std::string category;
    std::vector<std::string> blocks;
};

struct CategorySpec {
    std::string name;
    std::string color;  // "#rrggbb"
};

struct ModelSpec {
    std::string id;            // unique in the registry; the built-in ids are torchvision's model names
    std::string displayName;   // "ResNet-50"
    std::string family;        // "ResNet"
    std::string architecture;  // one of architectureIds()
    WeightsSpec weights;
    int numClasses = 0;
    std::string labelsFile;           // absolute (resolved against the registry file's folder)
    std::vector<std::string> labels;  // numClasses names, index = class
    PreprocessSpec preprocess;
    std::vector<StageSpec> stages;
    std::vector<std::string> taps;  // blocks whose outputs are shown, in forward order of the registry
    std::string camTarget;          // block that class activation maps use by default
    int batchSize = 0;  // images per forward pass in folder batches (optional `batch_size`, measured per model:
                        // tests/bench/RESULTS.md); 0: the batch runner's default

    // The name of the stage that lists `block`, or "" when none does.
    std::string stageOfBlock(const std::string& block) const;
    // The category of the stage that lists `block`, or "" when none does.
    std::string categoryOfBlock(const std::string& block) const;
    // Every block of the network in forward order (the stages' blocks, concatenated).
    std::vector<std::string> blocks() const;
    // The stage called `name`, or nullptr.
    const StageSpec* findStage(const std::string& name) const;
    // The block that `name` refers to: `name` itself when a stage lists it, else the last block of the stage
    // called `name` (a stage name used as a block reference means its last block); "" when it is neither. This is
    // the one place that rule is written: the analyzer, the network description and the registry's checks use it.
    std::string resolveBlock(const std::string& name) const;
};

// The architectures a registry entry may name, in display order. core/models/networkfactory builds each of them
// (tests/models prove it); the registry only checks that an entry names one.
const std::vector<std::string>& architectureIds();

}  // namespace convlens
