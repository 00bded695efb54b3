// Occlusion (Zeiler & Fergus 2014), as Captum's Occlusion with a square window over all three channels, baseline 0
// (the dataset's mean colour in the normalised input) and the class logit as the score: the window starts at
// every multiple of the stride (ceil((S − window) / stride) + 1 positions per axis, the last ones clipped at the
// border, so every pixel is covered); each pixel's attribution is the mean, over the windows covering it, of the
// logit on the image minus the logit with the window greyed out. One forward pass per window gives every
// class's score; the occluded images run in batches of the context's batch size, the cancel flag checked between
// them. The map is the attribution at the input's resolution (positive: the pixels support the class).
#include "core/inspect/cammethod.h"

#include "core/inspect/stagecosts.h"
#include "core/models/network.h"

namespace convlens {

namespace {

class Occlusion : public CamMethod {
public:
    bool needsGradients() const override { return false; }
    bool usesCamLayer() const override { return false; }

    Expected<CamMaps> compute(const CamContext& c) const override
    {
        const int64_t height = c.input.size(2), width = c.input.size(3);
        const int64_t window = std::max(1, c.options.occlusionWindow);
        const int64_t stride = std::max(1, c.options.occlusionStride);
        const std::vector<int64_t> rows = occlusionStarts(height, window, stride);
        const std::vector<int64_t> cols = occlusionStarts(width, window, stride);
        const auto total = static_cast<int64_t>(rows.size() * cols.size());
        const torch::Tensor index = torch::tensor(c.classes, torch::kLong).to(c.input.device());

        torch::NoGradGuard noGrad;
        const torch::Tensor logits = c.network->forward(c.input, c.cancel);
        if (!logits.defined())
            return makeError(ErrorKind::Cancelled, "cancelled");
        const torch::Tensor reference = logits[0].index_select(0, index);  // [K]
        const auto k = static_cast<int64_t>(c.classes.size());
        torch::Tensor sums = torch::zeros({k, height, width}, c.input.options());
        torch::Tensor counts = torch::zeros({height, width}, c.input.options());
        const int64_t batch = std::max(1, c.batchSize);
        for (int64_t first = 0; first < total; first += batch) {
            if (c.cancel && c.cancel->load())
                return makeError(ErrorKind::Cancelled, "cancelled");
            const int64_t end = std::min(total, first + batch);
            torch::Tensor occluded = c.input.repeat({end - first, 1, 1, 1});
            for (int64_t p = first; p < end; ++p)
                windowOf(occluded[p - first], rows, cols, p, window).zero_();
            const torch::Tensor scores = c.network->forward(occluded, c.cancel);
            if (!scores.defined())
                return makeError(ErrorKind::Cancelled, "cancelled");
            const torch::Tensor drops = reference.unsqueeze(0) - scores.index_select(1, index);  // [n,K]
            for (int64_t p = first; p < end; ++p) {
                windowOf(sums, rows, cols, p, window, /*spatialFrom=*/1).add_(drops[p - first].view({k, 1, 1}));
                windowOf(counts, rows, cols, p, window, /*spatialFrom=*/0).add_(1.0);
            }
            if (c.progress)
                c.progress(static_cast<double>(end) / static_cast<double>(total));
        }
        return CamMaps{sums / counts};
    }

private:
    // Window p (row-major over the positions) of `t`, whose spatial dimensions start at `spatialFrom` (a view).
    static torch::Tensor windowOf(const torch::Tensor& t, const std::vector<int64_t>& rows,
                                  const std::vector<int64_t>& cols, int64_t p, int64_t window, int64_t spatialFrom = 1)
    {
        const int64_t y = rows[static_cast<size_t>(p) / cols.size()];
        const int64_t x = cols[static_cast<size_t>(p) % cols.size()];
        const int64_t h = std::min(window, t.size(spatialFrom) - y);
        const int64_t w = std::min(window, t.size(spatialFrom + 1) - x);
        return t.narrow(spatialFrom, y, h).narrow(spatialFrom + 1, x, w);
    }
};

}  // namespace

std::unique_ptr<CamMethod> makeOcclusion()
{
    return std::make_unique<Occlusion>();
}

}  // namespace convlens
