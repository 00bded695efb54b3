// BatchStats: accuracy, per-class counts, confusions, failure cases and disagreements of seeded random records
// whose truth is known, checked against the test's own straightforward count; the tie orders and bounds; and the
// "accuracy" object of summary.json.

#include "core/batch/batchstats.h"

#include <QJsonArray>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

namespace convlens {
namespace {

const std::vector<std::string> kModels = {"resnet18", "mobilenet_v2", "convnext_tiny"};
constexpr int kClasses = 12;

std::string labelOf(int index)
{
    return "class " + std::to_string(index);
}

BatchRecord makeRecord(const QString& file, const std::string& model, int truth, std::vector<int> top,
                       std::vector<float> probabilities)
{
    BatchRecord record;
    record.file = file;
    record.modelId = model;
    record.truth = truth;
    record.truthLabel = truth >= 0 ? labelOf(truth) : std::string();
    for (std::size_t i = 0; i < top.size(); ++i)
        record.top.push_back(ClassScore{top[i], labelOf(top[i]), probabilities[i]});
    return record;
}

// Records of `files` images × the three models: the truth known for most, a few failed, top-K of 5 or 3 with
// distinct classes drawn so that top-1 is right about half the time and some truths land lower in the list.
// Probabilities come from a small set so that equal confidences (ties) occur.
std::vector<BatchRecord> randomRecords(unsigned seed, int files)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> cls(0, kClasses - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    std::vector<BatchRecord> records;
    for (int f = 0; f < files; ++f) {
        const QString file = QStringLiteral("folder/img%1.jpg").arg(f, 4, 10, QLatin1Char('0'));
        const int truth = percent(rng) < 85 ? cls(rng) : -1;
        for (const std::string& model : kModels) {
            if (percent(rng) < 5)
                continue;  // this model never saw the image
            const int k = percent(rng) < 70 ? 5 : 3;
            std::vector<int> top;
            if (truth >= 0 && percent(rng) < 50)
                top.push_back(truth);
            while (int(top.size()) < k) {
                const int c = cls(rng);
                if (std::find(top.begin(), top.end(), c) == top.end())
                    top.push_back(c);
            }
            std::vector<float> probabilities;
            float p = float(1 + percent(rng) % 8) / 10.0f;  // 0.1 … 0.8
            for (int i = 0; i < k; ++i, p /= 2)
                probabilities.push_back(p);
            BatchRecord record = makeRecord(file, model, truth, top, probabilities);
            if (percent(rng) < 4) {
                record.status = BatchStatus::Failed;
                record.error = "cannot decode";
                record.top.clear();
            }
            records.push_back(std::move(record));
        }
    }
    std::shuffle(records.begin(), records.end(), rng);
    return records;
}

struct Expect {
    int records = 0, failed = 0, withTruth = 0, top1 = 0, top5 = 0;
    std::map<int, std::tuple<int, int, int>> perClass;  // truth → images, top1, top5
    std::map<std::pair<int, int>, int> confusions;
    std::vector<std::tuple<float, QString, int, int>> failures;  // confidence, file, truth, predicted
};

std::map<std::string, Expect> expectedFrom(const std::vector<BatchRecord>& records)
{
    std::map<std::string, Expect> out;
    for (const BatchRecord& r : records) {
        Expect& e = out[r.modelId];
        e.records++;
        if (r.status == BatchStatus::Failed) {
            e.failed++;
            continue;
        }
        if (r.truth < 0)
            continue;
        e.withTruth++;
        const bool right = r.top[0].index == r.truth;
        bool five = false;
        for (int i = 0; i < int(r.top.size()) && i < 5; ++i)
            five = five || r.top[std::size_t(i)].index == r.truth;
        e.top1 += right;
        e.top5 += five;
        auto& [images, t1, t5] = e.perClass[r.truth];
        images++;
        t1 += right;
        t5 += five;
        if (!right) {
            e.confusions[{r.truth, r.top[0].index}]++;
            e.failures.emplace_back(r.top[0].probability, r.file, r.truth, r.top[0].index);
        }
    }
    return out;
}

TEST(BatchStatsTest, HandCountedExample)
{
    std::vector<BatchRecord> records = {
        makeRecord(QStringLiteral("a.jpg"), "m", 1, {1, 2, 3, 4, 5}, {0.9f, 0.05f, 0.02f, 0.02f, 0.01f}),
        makeRecord(QStringLiteral("b.jpg"), "m", 1, {2, 1, 3, 4, 5}, {0.6f, 0.3f, 0.05f, 0.03f, 0.02f}),
        makeRecord(QStringLiteral("c.jpg"), "m", 2, {3, 4, 5, 6, 7}, {0.7f, 0.1f, 0.1f, 0.05f, 0.05f}),
        makeRecord(QStringLiteral("d.jpg"), "m", -1, {3, 4, 5, 6, 7}, {0.7f, 0.1f, 0.1f, 0.05f, 0.05f}),
        makeRecord(QStringLiteral("e.jpg"), "m", 2, {}, {}),
    };
    records[4].status = BatchStatus::Failed;

    const std::vector<ModelAccuracy> models = computeAccuracy(records);
    ASSERT_EQ(models.size(), 1u);
    const ModelAccuracy& m = models[0];
    EXPECT_EQ(m.modelId, "m");
    EXPECT_EQ(m.records, 5);
    EXPECT_EQ(m.failed, 1);
    EXPECT_EQ(m.withTruth, 3);
    EXPECT_EQ(m.top1, 1);
    EXPECT_EQ(m.top5, 2);
    EXPECT_DOUBLE_EQ(m.top1Rate(), 1.0 / 3);
    EXPECT_DOUBLE_EQ(m.top5Rate(), 2.0 / 3);
    ASSERT_EQ(m.perClass.size(), 2u);
    EXPECT_EQ(m.perClass[0].classIndex, 1);
    EXPECT_EQ(m.perClass[0].label, "class 1");
    EXPECT_EQ(m.perClass[0].images, 2);
    EXPECT_EQ(m.perClass[0].top1, 1);
    EXPECT_EQ(m.perClass[0].top5, 2);
    EXPECT_EQ(m.perClass[1].classIndex, 2);
    EXPECT_EQ(m.perClass[1].images, 1);
    EXPECT_EQ(m.perClass[1].top5, 0);
    ASSERT_EQ(m.failures.size(), 2u);
    EXPECT_EQ(m.failures[0].file, QStringLiteral("c.jpg"));  // 0.7 before 0.6
    EXPECT_EQ(m.failures[0].predictedLabel, "class 3");
    EXPECT_FLOAT_EQ(m.failures[0].confidence, 0.7f);
    EXPECT_EQ(m.failures[1].file, QStringLiteral("b.jpg"));
    ASSERT_EQ(m.confusions.size(), 2u);
    EXPECT_EQ(m.confusions[0].truth, 1);  // both once: by truth
    EXPECT_EQ(m.confusions[0].predicted, 2);
    EXPECT_EQ(m.confusions[1].truth, 2);
    EXPECT_EQ(m.confusions[1].predictedLabel, "class 3");

    // No records with truth: rates are 0, not NaN.
    const std::vector<ModelAccuracy> none = computeAccuracy({records[3]});
    ASSERT_EQ(none.size(), 1u);
    EXPECT_EQ(none[0].withTruth, 0);
    EXPECT_EQ(none[0].top1Rate(), 0.0);
    EXPECT_TRUE(computeAccuracy({}).empty());
}

TEST(BatchStatsTest, RandomRecordsMatchAnIndependentCount)
{
    for (unsigned seed : {1u, 7u, 2024u}) {
        const std::vector<BatchRecord> records = randomRecords(seed, 400);
        const std::map<std::string, Expect> expected = expectedFrom(records);
        const std::vector<ModelAccuracy> models = computeAccuracy(records, 0, 0);

        ASSERT_EQ(models.size(), expected.size()) << seed;
        std::vector<std::string> ids;
        for (const ModelAccuracy& m : models)
            ids.push_back(m.modelId);
        EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

        for (const ModelAccuracy& m : models) {
            SCOPED_TRACE(m.modelId + " seed " + std::to_string(seed));
            ASSERT_TRUE(expected.count(m.modelId));
            const Expect& e = expected.at(m.modelId);
            EXPECT_EQ(m.records, e.records);
            EXPECT_EQ(m.failed, e.failed);
            EXPECT_GT(e.failed, 0);
            EXPECT_EQ(m.withTruth, e.withTruth);
            EXPECT_EQ(m.top1, e.top1);
            EXPECT_EQ(m.top5, e.top5);
            EXPECT_LT(e.top1, e.top5);  // the generator puts some truths below first place
            EXPECT_DOUBLE_EQ(m.top1Rate(), double(e.top1) / e.withTruth);

            ASSERT_EQ(m.perClass.size(), e.perClass.size());
            auto it = e.perClass.begin();
            for (const ClassAccuracy& c : m.perClass) {
                EXPECT_EQ(c.classIndex, it->first);
                EXPECT_EQ(c.label, labelOf(it->first));
                EXPECT_EQ(std::make_tuple(c.images, c.top1, c.top5), it->second);
                ++it;
            }

            std::vector<std::tuple<int, int, int>> confusions;  // -count, truth, predicted
            for (const auto& [pair, count] : e.confusions)
                confusions.emplace_back(-count, pair.first, pair.second);
            std::sort(confusions.begin(), confusions.end());
            ASSERT_EQ(m.confusions.size(), confusions.size());
            for (std::size_t i = 0; i < confusions.size(); ++i) {
                EXPECT_EQ(std::make_tuple(-m.confusions[i].count, m.confusions[i].truth, m.confusions[i].predicted),
                          confusions[i])
                    << i;
                EXPECT_EQ(m.confusions[i].truthLabel, labelOf(m.confusions[i].truth));
                EXPECT_EQ(m.confusions[i].predictedLabel, labelOf(m.confusions[i].predicted));
            }

            std::vector<std::tuple<float, QString, int, int>> failures = e.failures;
            std::sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) {
                return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b)
                                                        : std::get<1>(a) < std::get<1>(b);
            });
            ASSERT_EQ(m.failures.size(), failures.size());
            for (std::size_t i = 0; i < failures.size(); ++i)
                EXPECT_EQ(std::make_tuple(m.failures[i].confidence, m.failures[i].file, m.failures[i].truth,
                                          m.failures[i].predicted),
                          failures[i])
                    << i;

            // The bounds keep the head of the same order.
            const std::vector<ModelAccuracy> bounded = computeAccuracy(records, 3, 7);
            const auto same = std::find_if(bounded.begin(), bounded.end(),
                                           [&](const ModelAccuracy& b) { return b.modelId == m.modelId; });
            ASSERT_NE(same, bounded.end());
            EXPECT_EQ(same->top1, m.top1);
            ASSERT_EQ(same->confusions.size(), std::min<std::size_t>(3, m.confusions.size()));
            ASSERT_EQ(same->failures.size(), std::min<std::size_t>(7, m.failures.size()));
            for (std::size_t i = 0; i < same->confusions.size(); ++i)
                EXPECT_EQ(same->confusions[i].count, m.confusions[i].count);
            for (std::size_t i = 0; i < same->failures.size(); ++i)
                EXPECT_EQ(same->failures[i].file, m.failures[i].file);
        }
    }
}

TEST(BatchStatsTest, DisagreementsOnlyWhereEveryModelProcessedTheImage)
{
    const std::vector<BatchRecord> records = randomRecords(99, 300);

    std::map<QString, std::map<std::string, int>> ok;
    for (const BatchRecord& r : records)
        if (r.status == BatchStatus::Ok)
            ok[r.file][r.modelId] = r.top[0].index;
    std::vector<std::pair<QString, std::map<std::string, int>>> expected;
    int skipped = 0;
    for (const auto& [file, byModel] : ok) {
        if (byModel.size() != kModels.size()) {
            ++skipped;
            continue;
        }
        std::set<int> classes;
        for (const auto& [model, c] : byModel)
            classes.insert(c);
        if (classes.size() > 1)
            expected.emplace_back(file, byModel);
    }
    ASSERT_GT(skipped, 0);
    ASSERT_GT(expected.size(), 0u);

    const std::vector<Disagreement> found = findDisagreements(records);
    ASSERT_EQ(found.size(), expected.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
        EXPECT_EQ(found[i].file, expected[i].first);
        const std::vector<std::pair<std::string, int>> top1(expected[i].second.begin(), expected[i].second.end());
        EXPECT_EQ(found[i].top1, top1) << found[i].file.toStdString();
    }

    // One model alone never disagrees; two models agreeing neither.
    std::vector<BatchRecord> single;
    for (const BatchRecord& r : records)
        if (r.modelId == kModels[0])
            single.push_back(r);
    EXPECT_TRUE(findDisagreements(single).empty());
    const std::vector<BatchRecord> agree = {
        makeRecord(QStringLiteral("x.jpg"), "a", 1, {4, 2}, {0.5f, 0.2f}),
        makeRecord(QStringLiteral("x.jpg"), "b", 1, {4, 1}, {0.9f, 0.1f}),
        makeRecord(QStringLiteral("y.jpg"), "a", 1, {4, 2}, {0.5f, 0.2f}),
        makeRecord(QStringLiteral("y.jpg"), "b", 1, {3, 1}, {0.9f, 0.1f}),
    };
    const std::vector<Disagreement> one = findDisagreements(agree);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].file, QStringLiteral("y.jpg"));
    EXPECT_EQ(one[0].top1, (std::vector<std::pair<std::string, int>>{{"a", 4}, {"b", 3}}));
}

TEST(BatchStatsTest, AccuracyJsonCarriesTheNumbers)
{
    const std::vector<BatchRecord> records = randomRecords(5, 200);
    const std::vector<ModelAccuracy> models = computeAccuracy(records, 4, 6);
    const QJsonObject json = accuracyJson(models, 17);

    EXPECT_EQ(json.value(QStringLiteral("disagreements")).toInt(), 17);
    const QJsonArray array = json.value(QStringLiteral("models")).toArray();
    ASSERT_EQ(array.size(), qsizetype(models.size()));
    for (qsizetype i = 0; i < array.size(); ++i) {
        const ModelAccuracy& m = models[std::size_t(i)];
        const QJsonObject o = array[i].toObject();
        EXPECT_EQ(o.value(QStringLiteral("model")).toString().toStdString(), m.modelId);
        EXPECT_EQ(o.value(QStringLiteral("records")).toInt(), m.records);
        EXPECT_EQ(o.value(QStringLiteral("failed")).toInt(), m.failed);
        EXPECT_EQ(o.value(QStringLiteral("with_truth")).toInt(), m.withTruth);
        EXPECT_EQ(o.value(QStringLiteral("top1")).toInt(), m.top1);
        EXPECT_EQ(o.value(QStringLiteral("top5")).toInt(), m.top5);
        EXPECT_DOUBLE_EQ(o.value(QStringLiteral("top1_accuracy")).toDouble(), m.top1Rate());
        EXPECT_DOUBLE_EQ(o.value(QStringLiteral("top5_accuracy")).toDouble(), m.top5Rate());

        const QJsonArray perClass = o.value(QStringLiteral("per_class")).toArray();
        ASSERT_EQ(perClass.size(), qsizetype(m.perClass.size()));
        for (qsizetype c = 0; c < perClass.size(); ++c) {
            const QJsonObject entry = perClass[c].toObject();
            const ClassAccuracy& expected = m.perClass[std::size_t(c)];
            EXPECT_EQ(entry.value(QStringLiteral("index")).toInt(), expected.classIndex);
            EXPECT_EQ(entry.value(QStringLiteral("label")).toString().toStdString(), expected.label);
            EXPECT_EQ(entry.value(QStringLiteral("images")).toInt(), expected.images);
            EXPECT_EQ(entry.value(QStringLiteral("top1")).toInt(), expected.top1);
            EXPECT_EQ(entry.value(QStringLiteral("top5")).toInt(), expected.top5);
        }
        const QJsonArray confusions = o.value(QStringLiteral("confusions")).toArray();
        ASSERT_EQ(confusions.size(), qsizetype(m.confusions.size()));
        ASSERT_EQ(confusions.size(), 4);
        const QJsonObject first = confusions[0].toObject();
        EXPECT_EQ(first.value(QStringLiteral("truth_index")).toInt(), m.confusions[0].truth);
        EXPECT_EQ(first.value(QStringLiteral("truth_label")).toString().toStdString(), m.confusions[0].truthLabel);
        EXPECT_EQ(first.value(QStringLiteral("predicted_index")).toInt(), m.confusions[0].predicted);
        EXPECT_EQ(first.value(QStringLiteral("predicted_label")).toString().toStdString(),
                  m.confusions[0].predictedLabel);
        EXPECT_EQ(first.value(QStringLiteral("count")).toInt(), m.confusions[0].count);
        const QJsonArray failures = o.value(QStringLiteral("failures")).toArray();
        ASSERT_EQ(failures.size(), 6);
        for (qsizetype f = 0; f < failures.size(); ++f) {
            const QJsonObject entry = failures[f].toObject();
            const FailureCase& expected = m.failures[std::size_t(f)];
            EXPECT_EQ(entry.value(QStringLiteral("file")).toString(), expected.file);
            EXPECT_EQ(entry.value(QStringLiteral("truth_index")).toInt(), expected.truth);
            EXPECT_EQ(entry.value(QStringLiteral("predicted_index")).toInt(), expected.predicted);
            EXPECT_EQ(entry.value(QStringLiteral("predicted_label")).toString().toStdString(), expected.predictedLabel);
            EXPECT_FLOAT_EQ(float(entry.value(QStringLiteral("confidence")).toDouble()), expected.confidence);
        }
    }
    EXPECT_TRUE(accuracyJson({}, 0).value(QStringLiteral("models")).toArray().isEmpty());
}

}  // namespace
}  // namespace convlens
