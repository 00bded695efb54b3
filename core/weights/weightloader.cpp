#include "core/weights/weightloader.h"

#include "core/models/networkfactory.h"
#include "core/weights/checkpoint.h"

#include <filesystem>
#include <map>
#include <regex>
#include <set>

namespace convlens {

namespace {

std::string shapeText(at::IntArrayRef sizes)
{
    std::string text = "[";
    for (size_t i = 0; i < sizes.size(); ++i) {
        if (i) {
            text += ',';
        }
        text += std::to_string(sizes[i]);
    }
    return text + "]";
}

// "3 missing keys (a, b, …)": a few names are enough to see what is wrong.
std::string listText(size_t count, const std::string& what, const std::vector<std::string>& names)
{
    constexpr size_t kShown = 6;
    std::string text = std::to_string(count) + " " + what + (count == 1 ? "" : "s") + " (";
    constexpr size_t kLongest = 80;  // a key of a hostile file may be megabytes long
    for (size_t i = 0; i < names.size() && i < kShown; ++i) {
        const std::string& name = names[i];
        text += (i ? ", " : "") + (name.size() > kLongest ? name.substr(0, kLongest) + "…" : name);
    }
    return text + (names.size() > kShown ? ", …)" : ")");
}

bool isBatchCounter(const std::string& name)
{
    static const std::string kSuffix = "num_batches_tracked";
    return name.size() >= kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

}  // namespace

StateDict remapDensenetKeys(StateDict sd)
{
    // torchvision/models/densenet.py, _load_state_dict.
    static const std::regex kPattern(
        R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$)");
    for (auto& entry : sd) {
        std::smatch match;
        if (std::regex_match(entry.first, match, kPattern)) {
            entry.first = match[1].str() + match[2].str();
        }
    }
    return sd;
}

Expected<LoadReport> applyStateDict(NetworkImpl& net, const StateDict& sd, const std::string& source)
{
    const std::string fileName = std::filesystem::path(source).filename().string();
    try {
        std::vector<std::pair<std::string, torch::Tensor>> targets;
        for (const auto& item : net.named_parameters(true)) {
            targets.emplace_back(item.key(), item.value());
        }
        for (const auto& item : net.named_buffers(true)) {
            targets.emplace_back(item.key(), item.value());
        }
        std::map<std::string, torch::Tensor> byName(targets.begin(), targets.end());

        LoadReport report;
        std::vector<std::string> mismatchTexts;
        std::set<std::string> present;
        for (const auto& [name, tensor] : sd) {
            present.insert(name);
            const auto it = byName.find(name);
            if (it == byName.end()) {
                report.unexpected.push_back(name);
            } else if (!tensor.sizes().equals(it->second.sizes())) {
                report.mismatched.push_back(name);
                mismatchTexts.push_back(name + " " + shapeText(tensor.sizes()) + " vs " +
                                        shapeText(it->second.sizes()));
            }
        }
        for (const auto& [name, tensor] : targets) {
            if (!present.count(name) && !isBatchCounter(name)) {
                report.missing.push_back(name);
            }
        }
        if (!report.missing.empty() || !report.unexpected.empty() || !report.mismatched.empty()) {
            std::vector<std::string> parts;
            if (!report.unexpected.empty()) {
                parts.push_back(listText(report.unexpected.size(), "unexpected key", report.unexpected));
            }
            if (!report.missing.empty()) {
                parts.push_back(listText(report.missing.size(), "missing key", report.missing));
            }
            if (!report.mismatched.empty()) {
                std::string text = "shape mismatch ";
                for (size_t i = 0; i < mismatchTexts.size() && i < 6; ++i) {
                    text += (i ? ", " : "") + mismatchTexts[i];
                }
                parts.push_back(text + (mismatchTexts.size() > 6 ? ", …" : "") + " (file vs network)");
            }
            std::string message = fileName + " does not fit " + net.architecture() + ": ";
            for (size_t i = 0; i < parts.size(); ++i) {
                message += (i ? ", " : "") + parts[i];
            }
            return makeError(ErrorKind::Weights, message);
        }

        // Values no trained network holds: they would give "nan%" predictions rather than an error.
        std::vector<std::string> nonFinite;
        std::vector<std::string> negativeVariance;
        for (const auto& [name, tensor] : sd) {
            if (!tensor.is_floating_point())
                continue;
            if (!torch::isfinite(tensor).all().item<bool>())
                nonFinite.push_back(name);
            else if (name.size() > 12 && name.compare(name.size() - 12, 12, ".running_var") == 0 &&
                     (tensor < 0).any().item<bool>())
                negativeVariance.push_back(name);
        }
        if (!nonFinite.empty())
            return makeError(ErrorKind::Weights,
                             fileName + " holds NaN or infinite values in " +
                                 listText(nonFinite.size(), "tensor", nonFinite) +
                                 "; the file is damaged or not a trained checkpoint");
        if (!negativeVariance.empty())
            return makeError(ErrorKind::Weights,
                             fileName + " holds a negative BatchNorm variance in " +
                                 listText(negativeVariance.size(), "tensor", negativeVariance) +
                                 "; the file is damaged or not a trained checkpoint");

        torch::NoGradGuard noGrad;
        for (const auto& [name, tensor] : sd) {
            byName.at(name).copy_(tensor);
        }
        return report;
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Weights, "cannot load " + fileName + " into " + net.architecture() + ": " + e.what_without_backtrace());
    }
}

Expected<LoadReport> loadWeights(NetworkImpl& net, const std::string& path)
{
    auto sd = readCheckpoint(path);
    if (!sd) {
        return sd.error();
    }
    StateDict stateDict = std::move(*sd);
    if (net.architecture().rfind("densenet", 0) == 0) {
        stateDict = remapDensenetKeys(std::move(stateDict));
    }
    return applyStateDict(net, stateDict, path);
}

Expected<std::shared_ptr<NetworkImpl>> createNetworkWithWeights(const std::string& name,
                                                                const std::string& architecture, int64_t numClasses,
                                                                const std::string& weightsPath)
{
    // Every weight is overwritten by the checkpoint, so torchvision's (slow) initialisation is skipped then.
    auto net = createNetwork(architecture, numClasses,
                             weightsPath.empty() ? Initialisation::Torchvision : Initialisation::Skip);
    if (!net)
        return makeError(ErrorKind::Weights, name + ": " + net.message());
    if (!weightsPath.empty()) {
        auto report = loadWeights(**net, weightsPath);
        if (!report)
            return report.error();
    }
    return std::move(*net);
}

}  // namespace convlens
