#include "core/batch/batchstats.h"

#include <QJsonArray>

#include <algorithm>
#include <map>
#include <set>

namespace convlens {

namespace {

// The record's verdicts, from its own `top` and `truth`: -1 when it says nothing (failed, truth unknown, no
// prediction), as BatchRecord::correctTop1/Top5 and summary.csv's correct_* columns read it.
bool judged(const BatchRecord& record)
{
    return record.status == BatchStatus::Ok && record.truth >= 0 && !record.top.empty();
}

bool inTop5(const BatchRecord& record)
{
    const std::size_t k = std::min<std::size_t>(5, record.top.size());
    for (std::size_t i = 0; i < k; ++i)
        if (record.top[i].index == record.truth)
            return true;
    return false;
}

void bound(auto& list, int max)
{
    if (max > 0 && list.size() > std::size_t(max))
        list.resize(std::size_t(max));
}

}  // namespace

std::vector<ModelAccuracy> computeAccuracy(const std::vector<BatchRecord>& records, int maxConfusions, int maxFailures)
{
    struct Tally {
        ModelAccuracy accuracy;
        std::map<int, ClassAccuracy> perClass;
        std::map<std::pair<int, int>, Confusion> confusions;
    };
    std::map<std::string, Tally> byModel;

    for (const BatchRecord& record : records) {
        Tally& tally = byModel[record.modelId];
        ModelAccuracy& model = tally.accuracy;
        ++model.records;
        if (record.status == BatchStatus::Failed)
            ++model.failed;
        if (!judged(record))
            continue;

        const ClassScore& best = record.top.front();
        const bool top1 = best.index == record.truth;
        const bool top5 = inTop5(record);
        ++model.withTruth;
        model.top1 += top1;
        model.top5 += top5;

        ClassAccuracy& cls = tally.perClass[record.truth];
        cls.classIndex = record.truth;
        if (cls.label.empty())
            cls.label = record.truthLabel;
        ++cls.images;
        cls.top1 += top1;
        cls.top5 += top5;

        if (top1)
            continue;
        Confusion& confusion = tally.confusions[{record.truth, best.index}];
        confusion.truth = record.truth;
        confusion.predicted = best.index;
        if (confusion.truthLabel.empty())
            confusion.truthLabel = record.truthLabel;
        if (confusion.predictedLabel.empty())
            confusion.predictedLabel = best.label;
        ++confusion.count;

        model.failures.push_back(
            FailureCase{record.file, record.truth, record.truthLabel, best.index, best.label, best.probability});
    }

    std::vector<ModelAccuracy> result;
    result.reserve(byModel.size());
    for (auto& [modelId, tally] : byModel) {
        ModelAccuracy& model = tally.accuracy;
        model.modelId = modelId;
        for (auto& [index, cls] : tally.perClass)
            model.perClass.push_back(std::move(cls));

        for (auto& [pair, confusion] : tally.confusions)
            model.confusions.push_back(std::move(confusion));
        // The map already orders by (truth, predicted): a stable sort by count keeps that as the tie order.
        std::stable_sort(model.confusions.begin(), model.confusions.end(),
                         [](const Confusion& a, const Confusion& b) { return a.count > b.count; });
        bound(model.confusions, maxConfusions);

        std::sort(model.failures.begin(), model.failures.end(), [](const FailureCase& a, const FailureCase& b) {
            if (a.confidence != b.confidence)
                return a.confidence > b.confidence;
            return a.file < b.file;
        });
        bound(model.failures, maxFailures);
        result.push_back(std::move(model));
    }
    return result;
}

std::vector<Disagreement> findDisagreements(const std::vector<BatchRecord>& records)
{
    std::set<std::string> models;
    std::map<QString, std::map<std::string, int>> top1ByFile;  // file → model → top-1, processed records only
    for (const BatchRecord& record : records) {
        models.insert(record.modelId);
        if (record.status == BatchStatus::Ok && !record.top.empty())
            top1ByFile[record.file][record.modelId] = record.top.front().index;
    }
    std::vector<Disagreement> result;
    if (models.size() < 2)
        return result;
    for (const auto& [file, top1] : top1ByFile) {
        if (top1.size() != models.size())
            continue;
        const int first = top1.begin()->second;
        if (std::all_of(top1.begin(), top1.end(), [first](const auto& entry) { return entry.second == first; }))
            continue;
        result.push_back(Disagreement{file, {top1.begin(), top1.end()}});
    }
    return result;
}

QJsonObject accuracyJson(const std::vector<ModelAccuracy>& models, int disagreements)
{
    const auto text = [](const std::string& value) { return QString::fromStdString(value); };
    QJsonArray modelArray;
    for (const ModelAccuracy& model : models) {
        QJsonArray perClass;
        for (const ClassAccuracy& cls : model.perClass)
            perClass.append(QJsonObject{{QStringLiteral("index"), cls.classIndex},
                                        {QStringLiteral("label"), text(cls.label)},
                                        {QStringLiteral("images"), cls.images},
                                        {QStringLiteral("top1"), cls.top1},
                                        {QStringLiteral("top5"), cls.top5}});
        QJsonArray confusions;
        for (const Confusion& confusion : model.confusions)
            confusions.append(QJsonObject{{QStringLiteral("truth_index"), confusion.truth},
                                          {QStringLiteral("truth_label"), text(confusion.truthLabel)},
                                          {QStringLiteral("predicted_index"), confusion.predicted},
                                          {QStringLiteral("predicted_label"), text(confusion.predictedLabel)},
                                          {QStringLiteral("count"), confusion.count}});
        QJsonArray failures;
        for (const FailureCase& failure : model.failures)
            failures.append(QJsonObject{{QStringLiteral("file"), failure.file},
                                        {QStringLiteral("truth_index"), failure.truth},
                                        {QStringLiteral("truth_label"), text(failure.truthLabel)},
                                        {QStringLiteral("predicted_index"), failure.predicted},
                                        {QStringLiteral("predicted_label"), text(failure.predictedLabel)},
                                        {QStringLiteral("confidence"), double(failure.confidence)}});
        modelArray.append(QJsonObject{{QStringLiteral("model"), text(model.modelId)},
                                      {QStringLiteral("records"), model.records},
                                      {QStringLiteral("failed"), model.failed},
                                      {QStringLiteral("with_truth"), model.withTruth},
                                      {QStringLiteral("top1"), model.top1},
                                      {QStringLiteral("top5"), model.top5},
                                      {QStringLiteral("top1_accuracy"), model.top1Rate()},
                                      {QStringLiteral("top5_accuracy"), model.top5Rate()},
                                      {QStringLiteral("per_class"), perClass},
                                      {QStringLiteral("confusions"), confusions},
                                      {QStringLiteral("failures"), failures}});
    }
    return QJsonObject{{QStringLiteral("models"), modelArray}, {QStringLiteral("disagreements"), disagreements}};
}

}  // namespace convlens
