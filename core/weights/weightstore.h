#pragma once
// WeightStore: where ConvLens looks for the official torchvision weight files, in torchvision's own cache
// layout so files downloaded by Python are found too.
//
// Threads: any thread (reads the environment and the file system only). Failure: locate() returns an Error
// naming the file, where to download it from and every folder looked in.

#include "core/common/expected.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace convlens {

class WeightStore {
public:
    // Folders searched, in order: $CONVLENS_WEIGHTS_DIR, $TORCH_HOME/hub/checkpoints (TORCH_HOME defaulting to
    // ${XDG_CACHE_HOME:-~/.cache}/torch, as in torch.hub), ${XDG_CACHE_HOME:-~/.cache}/torch/hub/checkpoints, then
    // `settingsDir` (the weights folder chosen in the application's settings). Unset or empty variables and an
    // empty `settingsDir` are skipped; duplicates are listed once.
    static QStringList searchDirs(const QString& settingsDir = {});

    // Absolute path of the first regular, readable file called `fileName` in searchDirs(settingsDir), if any.
    static std::optional<QString> find(const QString& fileName, const QString& settingsDir = {});

    // find(), or an Error (kind Weights) that says which file is missing, the URL to download it from and where
    // to put it.
    static Expected<QString> locate(const QString& fileName, const QString& url, const QString& settingsDir = {});
};

}  // namespace convlens
