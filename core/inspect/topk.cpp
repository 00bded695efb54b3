#include "core/inspect/topk.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace convlens {

std::vector<ClassScore> topClasses(const std::vector<float>& probabilities, int k,
                                   const std::vector<std::string>& labels)
{
    if (probabilities.empty())
        return {};
    const auto n = static_cast<int>(probabilities.size());
    k = std::clamp(k, 1, n);
    // A strict weak order even with NaN (which compares false with everything): NaNs first, then descending,
    // ties by index, so the ranking is the same on every run and platform.
    auto before = [&](int a, int b) {
        const float pa = probabilities[static_cast<size_t>(a)], pb = probabilities[static_cast<size_t>(b)];
        const bool nanA = std::isnan(pa), nanB = std::isnan(pb);
        if (nanA != nanB)
            return nanA;
        if (!nanA && pa != pb)
            return pa > pb;
        return a < b;
    };
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
    std::vector<ClassScore> top;
    top.reserve(static_cast<size_t>(k));
    for (int i = 0; i < k; ++i) {
        ClassScore score;
        score.index = order[static_cast<size_t>(i)];
        score.probability = probabilities[static_cast<size_t>(score.index)];
        score.label = classLabel(score.index, labels);
        top.push_back(std::move(score));
    }
    return top;
}

std::string classLabel(int index, const std::vector<std::string>& labels)
{
    if (index >= 0 && index < static_cast<int>(labels.size()))
        return labels[static_cast<size_t>(index)];
    return "class " + std::to_string(index);
}

}  // namespace convlens
