#include "core/inspect/analyzer.h"

#include "core/image/preprocess.h"
#include "core/inspect/cammethod.h"
#include "core/inspect/classgradients.h"
#include "core/inspect/guidedbackprop.h"
#include "core/models/network.h"
#include "core/registry/modelspec.h"
#include "core/weights/weightloader.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <set>

namespace convlens {

struct Analyzer::State {
    std::shared_ptr<NetworkImpl> net;
    ModelSpec spec;
    std::string weights;
};

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A block name, or a stage name meaning the stage's last block; "" when neither names a block of `net`.
std::string resolveBlock(const ModelSpec& spec, const NetworkImpl& net, const std::string& name)
{
    if (net.blockIndex(name) >= 0)
        return name;
    if (const StageSpec* stage = spec.findStage(name); stage && !stage->blocks.empty())
        return stage->blocks.back();
    return {};
}

std::vector<float> toVector(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

QImage toGray8(const torch::Tensor& map, float lo, float hi)
{
    const int64_t h = map.size(0), w = map.size(1);
    QImage image(static_cast<int>(w), static_cast<int>(h), QImage::Format_Grayscale8);
    // A constant map (hi == lo) is drawn black.
    const torch::Tensor scaled =
        hi > lo ? ((map - lo) / (hi - lo) * 255.0f).round().clamp(0, 255) : torch::zeros_like(map);
    const torch::Tensor bytes = scaled.to(torch::kUInt8).contiguous();
    for (int64_t y = 0; y < h; ++y)
        std::memcpy(image.scanLine(static_cast<int>(y)), bytes.data_ptr<uint8_t>() + y * w, static_cast<size_t>(w));
    return image;
}

// Statistics, histogram and tiles of one tap's output `t` (batch dimension removed, channels first).
LayerResult summariseLayer(const std::string& name, const torch::Tensor& t, const AnalysisOptions& options)
{
    LayerResult layer;
    layer.name = name;
    layer.shape.assign(t.sizes().begin(), t.sizes().end());
    const int64_t channels = t.dim() > 0 ? t.size(0) : 1;
    const torch::Tensor flat = t.reshape({channels, -1});
    const torch::Tensor means = flat.mean(1), maxs = flat.amax(1), mins = flat.amin(1);
    const torch::Tensor zeros = (flat == 0).sum(1).to(torch::kFloat32) / static_cast<float>(flat.size(1));
    const std::vector<float> meanV = toVector(means), maxV = toVector(maxs), minV = toVector(mins),
                             zeroV = toVector(zeros);
    layer.channels.resize(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
        ChannelStats& s = layer.channels[c];
        s.mean = meanV[c];
        s.max = maxV[c];
        s.sparsity = zeroV[c];
        s.dead = maxV[c] <= minV[c];
        layer.deadChannels += s.dead ? 1 : 0;
    }
    layer.sparsity = (t == 0).sum().item<float>() / static_cast<float>(std::max<int64_t>(1, t.numel()));
    layer.histogramMin = t.min().item<float>();
    layer.histogramMax = t.max().item<float>();
    const float histMax = layer.histogramMax > layer.histogramMin ? layer.histogramMax : layer.histogramMin + 1.0f;
    layer.histogram = toVector(torch::histc(t, std::max(1, options.histogramBins), layer.histogramMin, histMax));

    if (t.dim() == 3) {
        std::vector<int> order(static_cast<size_t>(channels));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return meanV[a] > meanV[b]; });
        const int64_t n = options.tilesPerLayer <= 0 ? channels : std::min<int64_t>(options.tilesPerLayer, channels);
        for (int64_t i = 0; i < n; ++i) {
            const int c = order[i];
            ChannelTile tile;
            tile.channel = c;
            tile.mean = meanV[c];
            tile.image = options.sharedTileScale ? toGray8(t[c], layer.histogramMin, layer.histogramMax)
                                                 : toGray8(t[c], minV[c], maxV[c]);
            layer.tiles.push_back(std::move(tile));
        }
    }
    return layer;
}

}  // namespace

Analyzer::Analyzer(std::shared_ptr<State> state) : mState(std::move(state)) {}

Expected<Analyzer> Analyzer::create(const ModelSpec& spec, const QString& weightsPath)
{
    try {
        auto net = createNetworkWithWeights(spec.id, spec.architecture, spec.numClasses, weightsPath.toStdString());
        if (!net)
            return net.error();
        auto state = std::make_shared<State>();
        state->net = std::move(*net);
        state->spec = spec;
        state->weights = weightsPath.toStdString();
        return Analyzer(std::move(state));
    } catch (const c10::Error& e) {
        return makeError(spec.id + ": cannot build the network: " + e.what_without_backtrace());
    }
}

const std::string& Analyzer::modelId() const
{
    return mState->spec.id;
}

std::size_t Analyzer::parameterBytes() const
{
    std::size_t bytes = 0;
    for (const torch::Tensor& t : mState->net->parameters(/*recurse=*/true))
        bytes += static_cast<std::size_t>(t.numel()) * t.element_size();
    for (const torch::Tensor& t : mState->net->buffers(/*recurse=*/true))
        bytes += static_cast<std::size_t>(t.numel()) * t.element_size();
    return bytes;
}

Expected<AnalysisResult> Analyzer::analyze(const QImage& rgb, const AnalysisOptions& options,
                                           const std::atomic<bool>* cancel,
                                           std::function<void(double, const std::string&)> progress) const
{
    const ModelSpec& spec = mState->spec;
    NetworkImpl& net = *mState->net;
    const auto totalStart = Clock::now();
    auto report = [&](double fraction, const std::string& stage) {
        if (progress)
            progress(fraction, stage);
    };
    auto cancelled = [&] { return cancel && cancel->load(); };
    auto cancelledError = [&] { return makeError(spec.id + ": analysis cancelled"); };

    if (rgb.isNull())
        return makeError(spec.id + ": cannot analyse an empty image");

    // Resolve every name first, so a bad option fails before any work.
    std::vector<std::string> taps;
    for (const std::string& name : options.taps.empty() ? spec.taps : options.taps) {
        const std::string block = resolveBlock(spec, net, name);
        if (block.empty())
            return makeError(spec.id + ": tap '" + name + "' is not a block or stage of " + spec.id);
        taps.push_back(block);
    }
    std::vector<std::unique_ptr<CamMethod>> methods;
    for (const std::string& id : options.methods) {
        methods.push_back(createCamMethod(id));
        if (!methods.back()) {
            std::string known;
            for (const std::string& name : camMethodIds())
                known += (known.empty() ? "" : ", ") + name;
            return makeError(spec.id + ": unknown CAM method '" + id + "' (known: " + known + ")");
        }
    }
    const std::string camName = options.camLayer.empty() ? spec.camTarget : options.camLayer;
    const std::string camBlock = methods.empty() ? std::string() : resolveBlock(spec, net, camName);
    if (!methods.empty() && camBlock.empty())
        return makeError(spec.id + ": CAM layer '" + camName + "' is not a block or stage of " + spec.id);

    AnalysisResult result;
    result.modelId = spec.id;
    result.weights = mState->weights;
    try {
        auto start = Clock::now();
        report(0.0, "preprocess");
        result.input = resizeAndCrop(rgb.convertToFormat(QImage::Format_RGB888), spec.preprocess);
        const PreprocessedImage pre = normalize(result.input, spec.preprocess);
        const torch::Tensor input = torch::from_blob(const_cast<float*>(pre.chw.data()),
                                                     {1, pre.channels, pre.height, pre.width}, torch::kFloat32)
                                        .clone();
        result.timingsMs["preprocess"] = msSince(start);
        if (cancelled())
            return cancelledError();

        start = Clock::now();
        report(0.05, "forward");
        torch::NoGradGuard noGrad;
        std::vector<std::string> recorded = taps;
        if (!camBlock.empty())
            recorded.push_back(camBlock);
        std::map<std::string, torch::Tensor> outputs;
        const torch::Tensor logits = net.forwardRecording(input, recorded, outputs)[0];
        const torch::Tensor probs = torch::softmax(logits, 0);
        const int64_t k = std::clamp<int64_t>(options.topK, 1, logits.size(0));
        const auto [topValues, topIndices] = probs.topk(k);
        result.prediction.logits = toVector(logits);
        std::vector<int64_t> classes;
        for (int64_t i = 0; i < k; ++i) {
            ClassScore score;
            score.index = static_cast<int>(topIndices[i].item<int64_t>());
            score.probability = topValues[i].item<float>();
            score.label = score.index < static_cast<int>(spec.labels.size()) ? spec.labels[score.index]
                                                                             : "class " + std::to_string(score.index);
            classes.push_back(score.index);
            result.prediction.top.push_back(std::move(score));
        }
        // Classes asked for explicitly (compare mode) are explained after the top-K ones.
        std::vector<std::string> classLabels;
        for (const ClassScore& score : result.prediction.top)
            classLabels.push_back(score.label);
        for (int extra : options.camClasses) {
            if (extra < 0 || extra >= logits.size(0) ||
                std::find(classes.begin(), classes.end(), extra) != classes.end())
                continue;
            classes.push_back(extra);
            classLabels.push_back(extra < static_cast<int>(spec.labels.size()) ? spec.labels[extra]
                                                                               : "class " + std::to_string(extra));
        }
        result.timingsMs["forward"] = msSince(start);
        if (cancelled())
            return cancelledError();

        start = Clock::now();
        report(0.1, "feature maps");
        for (const std::string& tap : taps)
            result.layers.push_back(summariseLayer(tap, outputs.at(tap)[0], options));
        result.timingsMs["feature maps"] = msSince(start);
        if (methods.empty()) {
            result.timingsMs["total"] = msSince(totalStart);
            report(1.0, "done");
            return result;
        }
        if (cancelled())
            return cancelledError();

        const int blockIndex = net.blockIndex(camBlock);
        const torch::Tensor activation = outputs.at(camBlock);
        if (activation.dim() != 4)
            return makeError(spec.id + ": CAM layer '" + camName + "' has no spatial map (output shape " +
                             std::to_string(activation.dim()) + "-D)");
        CamContext context;
        context.activations = activation;
        context.classes = classes;
        context.network = &net;
        context.input = input;
        context.batchSize = options.scoreCamBatch;
        context.cancel = cancel;
        const bool needGradients =
            std::any_of(methods.begin(), methods.end(), [](const auto& m) { return m->needsGradients(); });
        if (needGradients) {
            start = Clock::now();
            report(0.15, "gradients");
            context.gradients = classGradients(net, blockIndex, activation, classes);
            result.timingsMs["gradients"] = msSince(start);
        }
        if (std::any_of(methods.begin(), methods.end(), [](const auto& m) { return m->needsGuidedGradients(); })) {
            if (cancelled())
                return cancelledError();
            start = Clock::now();
            report(0.18, "guided backprop");
            context.guidedGradients = guidedInputGradients(net, input, classes);
            result.timingsMs["guided backprop"] = msSince(start);
        }

        const int64_t size = input.size(2);
        std::vector<torch::Tensor> heatmaps;
        for (size_t m = 0; m < methods.size(); ++m) {
            if (cancelled())
                return cancelledError();
            start = Clock::now();
            const std::string& id = options.methods[m];
            const double from = 0.2 + 0.7 * static_cast<double>(m) / static_cast<double>(methods.size());
            const double span = 0.7 / static_cast<double>(methods.size());
            report(from, "cam " + id);
            context.progress = [&](double f) { report(from + span * f, "cam " + id); };
            Expected<CamMaps> raw = methods[m]->compute(context);
            if (!raw)
                return raw.message() == "cancelled" ? cancelledError()
                                                    : makeError(spec.id + ": " + id + ": " + raw.message());
            const torch::Tensor grids = torch::relu(raw->maps);
            const bool inputSpace = raw->images.defined();
            for (int64_t i = 0; i < static_cast<int64_t>(classes.size()); ++i) {
                CamResult cam;
                cam.method = id;
                cam.classIndex = static_cast<int>(classes[i]);
                cam.label = classLabels[i];
                // Guided backprop explains at the input; guided Grad-CAM also depends on its Grad-CAM layer.
                cam.layer = inputSpace && !methods[m]->needsGradients() ? std::string("input") : camBlock;
                if (inputSpace)
                    cam.guided = toVector(raw->images[i]);
                cam.gridHeight = static_cast<int>(grids.size(1));
                cam.gridWidth = static_cast<int>(grids.size(2));
                cam.grid = toVector(grids[i]);
                cam.heatmapSize = static_cast<int>(size);
                heatmaps.push_back(normalisedHeatmap(grids[i], size));
                cam.heatmap = toVector(heatmaps.back());
                result.cams.push_back(std::move(cam));
            }
            result.timingsMs["cam " + id] = msSince(start);
        }

        // Faithfulness, as pytorch-grad-cam's CamMultImageConfidenceChange with ClassifierOutputSoftmaxTarget:
        // the class's softmax probability on (normalised input × heatmap) minus that on the input;
        // DropInConfidence = max(0, -change), IncreaseInConfidence = change > 0 ? 1 : 0.
        start = Clock::now();
        report(0.9, "faithfulness");
        const int64_t batch = std::max(1, options.scoreCamBatch);
        const auto count = static_cast<int64_t>(heatmaps.size());
        for (int64_t first = 0; first < count; first += batch) {
            if (cancelled())
                return cancelledError();
            const int64_t end = std::min(count, first + batch);
            std::vector<torch::Tensor> masked;
            for (int64_t i = first; i < end; ++i)
                masked.push_back(input[0] * heatmaps[i]);
            const torch::Tensor p = torch::softmax(net.forward(torch::stack(masked)), 1);
            for (int64_t i = first; i < end; ++i) {
                CamResult& cam = result.cams[i];
                Faithfulness& f = cam.faithfulness;
                f.confidence = probs[cam.classIndex].item<float>();
                f.maskedConfidence = p[i - first][cam.classIndex].item<float>();
                const float change = f.maskedConfidence - f.confidence;
                f.drop = std::max(0.0f, -change);
                f.increase = change > 0 ? 1.0f : 0.0f;
            }
        }
        result.timingsMs["faithfulness"] = msSince(start);
    } catch (const c10::Error& e) {
        return makeError(spec.id + ": analysis failed: " + e.what_without_backtrace());
    }
    result.timingsMs["total"] = msSince(totalStart);
    report(1.0, "done");
    return result;
}

}  // namespace convlens
