#pragma once
// What the checkpoint targets do with a file they wrote: read it as a user's --weights would, then touch every
// element of every tensor it gave (a tensor addressing memory outside its storage is what ASan catches here).

#include "core/weights/checkpoint.h"

#include <string>

namespace convlens::fuzz {

inline void readAndTouch(const std::string& path)
{
    auto stateDict = convlens::readCheckpoint(path);
    if (!stateDict)
        return;
    for (const auto& [name, tensor] : *stateDict)
        if (tensor.numel() > 0 && tensor.numel() < (1 << 22))
            (void)tensor.contiguous().sum().item<double>();
}

}  // namespace convlens::fuzz
