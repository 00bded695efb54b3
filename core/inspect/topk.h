#pragma once
// Top-K: the one place that turns class probabilities into the ranked, labelled ClassScore list (the Predictor's
// and the Analyzer's predictions) and names a class. Torch-free.
//
// Threads: pure functions, any thread. Ownership: results are values. Failure: none; an empty probability list
// gives an empty ranking.

#include "core/inspect/predictor.h"

#include <string>
#include <vector>

namespace convlens {

// The `k` most probable classes, most probable first; equal probabilities rank by class index, and NaN ranks
// above every number (as torch.topk). `k` is clamped to [1, probabilities.size()]. Labels as classLabel().
std::vector<ClassScore> topClasses(const std::vector<float>& probabilities, int k,
                                   const std::vector<std::string>& labels);

// The label of class `index`: labels[index], or "class <index>" when the list has no entry for it.
std::string classLabel(int index, const std::vector<std::string>& labels);

}  // namespace convlens
