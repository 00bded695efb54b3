#pragma once
// The device every inference runs on: "cpu" (the default) or, with a LibTorch built with CUDA, "cuda" / "cuda:N".
// One process-wide setting, like the thread count (core/common/threads.h): the command line's --device and the
// window's Settings set it; models loaded from then on are moved there (the engine's model pool keys on it, so a
// model loaded for another device is loaded again).
//
// Threads: every function may be called from any thread; the setting is guarded.
// Failure: setComputeDevice() fails with ErrorKind::BadInput for a name that is not a device ("gpu", "cuda:x") and
// for a device this build or machine lacks, saying which ("this LibTorch was built without CUDA"); the setting is
// then unchanged. Nothing throws.

#include "core/common/expected.h"

#include <string>
#include <vector>

namespace convlens {

// The devices this build and machine can run on, "cpu" first, then "cuda:0", "cuda:1", ... when CUDA is usable.
std::vector<std::string> availableComputeDevices();

// Makes `name` ("cpu", "cuda", "cuda:N"; case-insensitive, surrounding spaces ignored) the device of every
// inference from now on. Returns the canonical name ("cuda" becomes "cuda:0").
Expected<std::string> setComputeDevice(const std::string& name);

// The canonical name of the device set, "cpu" until setComputeDevice() succeeds.
std::string computeDevice();

}  // namespace convlens
