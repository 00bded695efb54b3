#pragma once
// The engine's side of core/common/computedevice.h: the device set, as LibTorch's type. Engine sources only (it
// includes a LibTorch header). Any thread.

#include <c10/core/Device.h>

namespace convlens {

c10::Device torchComputeDevice();

}  // namespace convlens
