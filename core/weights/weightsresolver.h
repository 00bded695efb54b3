#pragma once
// resolveWeights: the one place that decides which checkpoint a model runs with, for the window, the weights
// panel and the command line alike.
//
// Order: the explicit file (--weights FILE, or the weights panel's "Load file…" choice) — used as given and never
// silently replaced by another; the registry entry's local `weights.path` (user registries); then the file by
// name (also when weights.path is gone) in WeightStore::searchDirs(settingsDir): $CONVLENS_WEIGHTS_DIR, the torch hub cache ($TORCH_HOME), the
// XDG cache, the settings' weights folder. When none is there: Untrained if the user allowed it for this model,
// else Missing with a message naming the file, where it can be downloaded and every folder looked in.
//
// Torch-free; reads the environment and the file system only; any thread.

#include "core/registry/modelspec.h"

#include <QString>

namespace convlens {

// What the user said about a model's weights.
struct WeightsChoice {
    QString explicitFile;         // --weights FILE or "Load file…"; empty = none
    QString settingsDir;          // the weights folder from the settings, searched last; empty = none
    bool allowUntrained = false;  // "Explore untrained" / --untrained: run without a checkpoint when none is found
};

struct WeightsStatus {
    enum class Kind {
        Found,      // the registry's file, found in a search folder or at weights.path
        UserFile,   // the explicit file
        Missing,    // nothing usable: see message
        Untrained,  // no checkpoint, by the user's choice
    };
    Kind kind = Kind::Missing;
    QString path;     // the checkpoint to load (Found, UserFile); empty otherwise
    QString message;  // Missing: which file, from where, and what to do
};

WeightsStatus resolveWeights(const ModelSpec& spec, const WeightsChoice& choice);

}  // namespace convlens
