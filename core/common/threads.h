#pragma once
// LibTorch intra-op threading. OpenMP on Debian defaults to one thread, so every executable sets it explicitly.

namespace convlens {

// Sets the number of intra-op threads used by inference. `count` <= 0 means all cores.
// Call from the main thread before the first inference. Returns the count in effect.
int setInferenceThreads(int count);

// The intra-op thread count in effect.
int inferenceThreads();

}  // namespace convlens
