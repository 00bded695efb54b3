#include "core/inspect/road.h"

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace convlens {

namespace {

struct Neighbour {
    int dy;
    int dx;
    double weight;
};

// The ROAD paper's weights: direct neighbours 1/6, diagonal ones 1/12 (they sum to 1).
constexpr Neighbour kNeighbours[] = {{1, 1, 1.0 / 12},  {0, 1, 1.0 / 6},  {-1, 1, 1.0 / 12}, {1, -1, 1.0 / 12},
                                     {0, -1, 1.0 / 6},  {-1, -1, 1.0 / 12}, {1, 0, 1.0 / 6},  {-1, 0, 1.0 / 6}};

}  // namespace

torch::Tensor noisyLinearImputation(const torch::Tensor& image, const torch::Tensor& keep, double noise,
                                    uint64_t seed)
{
    TORCH_CHECK(image.dim() == 3 && keep.dim() == 2 && image.size(1) == keep.size(0) && image.size(2) == keep.size(1),
                "ROAD imputation: the image [C,H,W] and the mask [H,W] differ in size");
    const torch::Tensor img = image.to(torch::kCPU, torch::kFloat32).contiguous();
    const torch::Tensor known = keep.to(torch::kCPU, torch::kBool).contiguous();
    const int64_t channels = img.size(0), height = img.size(1), width = img.size(2), area = height * width;
    const bool* k = known.data_ptr<bool>();
    const float* pixels = img.data_ptr<float>();

    // The unknowns, numbered in row-major order of their pixels.
    std::vector<int64_t> unknownOf(static_cast<size_t>(area), -1);
    std::vector<int64_t> removed;
    for (int64_t i = 0; i < area; ++i)
        if (!k[i]) {
            unknownOf[static_cast<size_t>(i)] = static_cast<int64_t>(removed.size());
            removed.push_back(i);
        }
    torch::Tensor out = img.clone();
    const auto n = static_cast<int64_t>(removed.size());
    if (n == 0)
        return out.to(image.device());

    // The reference's system negated (so it is symmetric positive definite): for each removed pixel i,
    //   (sum of its in-image neighbours' weights) x_i − Σ_{removed j} w_ij x_j = Σ_{kept j} w_ij value_j.
    std::vector<Eigen::Triplet<double>> entries;
    entries.reserve(static_cast<size_t>(n) * 9);
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(n, channels);
    bool anchored = false;
    for (int64_t row = 0; row < n; ++row) {
        const int64_t y = removed[static_cast<size_t>(row)] / width, x = removed[static_cast<size_t>(row)] % width;
        double diagonal = 0.0;
        for (const Neighbour& nb : kNeighbours) {
            const int64_t ny = y + nb.dy, nx = x + nb.dx;
            if (ny < 0 || nx < 0 || ny >= height || nx >= width)
                continue;
            diagonal += nb.weight;
            const int64_t j = ny * width + nx;
            const int64_t column = unknownOf[static_cast<size_t>(j)];
            if (column >= 0) {
                entries.emplace_back(row, column, -nb.weight);
            } else {
                anchored = true;
                for (int64_t c = 0; c < channels; ++c)
                    rhs(row, c) += nb.weight * pixels[c * area + j];
            }
        }
        entries.emplace_back(row, row, diagonal);
    }
    Eigen::MatrixXd solution = Eigen::MatrixXd::Zero(n, channels);
    if (anchored) {
        Eigen::SparseMatrix<double> system(n, n);
        system.setFromTriplets(entries.begin(), entries.end());
        Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(system);
        if (solver.info() == Eigen::Success)
            solution = solver.solve(rhs);
        // A removed region that touches no kept pixel (nothing kept in it) has no anchor either; its rows solve
        // to anything, so such a factorisation failure leaves the region at 0 as documented.
        if (!solution.allFinite())
            solution.setZero();
    }
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    const torch::Tensor draws = noise != 0.0 ? torch::randn({channels, n}, generator, torch::kFloat32)
                                             : torch::zeros({channels, n}, torch::kFloat32);
    const float* d = draws.data_ptr<float>();
    float* o = out.data_ptr<float>();
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t row = 0; row < n; ++row)
            o[c * area + removed[static_cast<size_t>(row)]] =
                static_cast<float>(solution(row, c)) + static_cast<float>(noise) * d[c * n + row];
    return out.to(image.device());
}

double percentileOf(const torch::Tensor& values, double percentile)
{
    const torch::Tensor sorted = std::get<0>(values.flatten().to(torch::kCPU, torch::kFloat64).sort());
    const int64_t n = sorted.numel();
    TORCH_CHECK(n > 0, "the percentile of nothing");
    const double* v = sorted.data_ptr<double>();
    const double index = static_cast<double>(n - 1) * percentile / 100.0;
    const auto lo = static_cast<int64_t>(std::floor(index));
    const int64_t hi = std::min(n - 1, lo + 1);
    const double t = index - static_cast<double>(lo);
    // numpy's _lerp: from the lower value below the middle, from the upper one above it; the difference of the two
    // float32 values in float32, as numpy subtracts them.
    const auto diff = static_cast<double>(static_cast<float>(v[hi]) - static_cast<float>(v[lo]));
    return t < 0.5 ? v[lo] + diff * t : v[hi] - diff * (1.0 - t);
}

torch::Tensor roadKeepMask(const torch::Tensor& map, int percentile, bool mostRelevantFirst)
{
    const torch::Tensor m = mostRelevantFirst ? map.to(torch::kFloat32) : 1.0f - map.to(torch::kFloat32);
    // The reference compares its float32 map with the (float64) percentile in float32, as torch does.
    const auto threshold = static_cast<float>(percentileOf(m, percentile));
    return m < threshold;
}

}  // namespace convlens
