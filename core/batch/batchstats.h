#pragma once
// BatchStats: what a batch's records say about a model when the truth is known — top-1 and top-5 accuracy overall
// and per class, the pairs of classes most often confused, and the failure cases (wrong with high confidence
// first). Also where several models disagree. The batch view's accuracy panel, the summary page and summary.json
// all show these numbers, computed here once.
//
// Torch-free; pure functions of the records; any thread.

#include "core/batch/batchrecord.h"

#include <QJsonObject>
#include <QString>

#include <string>
#include <vector>

namespace convlens {

struct ClassAccuracy {
    int classIndex = 0;
    std::string label;
    int images = 0;  // records with this truth (ok ones)
    int top1 = 0;    // of those, top-1 right
    int top5 = 0;
};

struct Confusion {
    int truth = 0;
    std::string truthLabel;
    int predicted = 0;
    std::string predictedLabel;
    int count = 0;
};

struct FailureCase {
    QString file;
    int truth = 0;
    std::string truthLabel;
    int predicted = 0;
    std::string predictedLabel;
    float confidence = 0.0f;  // the wrong top-1's probability
};

struct ModelAccuracy {
    std::string modelId;
    int records = 0;    // every record of the model
    int failed = 0;     // status Failed
    int withTruth = 0;  // ok records whose truth is known: the denominator
    int top1 = 0;
    int top5 = 0;
    double top1Rate() const { return withTruth ? double(top1) / withTruth : 0.0; }
    double top5Rate() const { return withTruth ? double(top5) / withTruth : 0.0; }
    std::vector<ClassAccuracy> perClass;  // classes that occur as truth, by class index
    std::vector<Confusion> confusions;    // truth ≠ top-1 pairs, most frequent first (ties: by truth, predicted)
    std::vector<FailureCase> failures;    // wrong top-1, highest confidence first (ties: by file)
};

// Per model (sorted by model id), from `records` (each key once: see latestRecords). A record is judged when it
// is ok, its truth is known and it has a prediction (as BatchRecord::correctTop1 reads it); top-5 means the truth
// is among the first min(5, K) predictions. `maxConfusions` and `maxFailures` bound the lists (0: unbounded).
std::vector<ModelAccuracy> computeAccuracy(const std::vector<BatchRecord>& records, int maxConfusions = 20,
                                           int maxFailures = 50);

// Images on which the models' top-1 classes differ (only images every model of `records` processed: an ok record
// with a prediction), sorted by file. None when the records name fewer than two models.
struct Disagreement {
    QString file;
    std::vector<std::pair<std::string, int>> top1;  // model → top-1 class, by model id
};
std::vector<Disagreement> findDisagreements(const std::vector<BatchRecord>& records);

// The "accuracy" object of summary.json: {"models": [{"model", "records", "failed", "with_truth", "top1", "top5",
// "top1_accuracy", "top5_accuracy", "per_class": […], "confusions": […], "failures": […]}], "disagreements": n}.
// per_class: {"index", "label", "images", "top1", "top5"}; confusions: {"truth_index", "truth_label",
// "predicted_index", "predicted_label", "count"}; failures: {"file", "truth_index", "truth_label",
// "predicted_index", "predicted_label", "confidence"} (the index/label names of records.jsonl and summary.csv).
QJsonObject accuracyJson(const std::vector<ModelAccuracy>& models, int disagreements);

}  // namespace convlens
