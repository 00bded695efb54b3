// The command line's JSON objects (README, "Command line"; tests/cli/check_cli.py reads them): key names, nesting
// and value types of `predict` and `analyze`, on a fully populated sample result.

#include "core/inspect/resultjson.h"
#include "tests/jobs/sampleresult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

#include <gtest/gtest.h>

namespace convlens {
namespace {

using testing::sampleResult;

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

// The object's keys, sorted, joined with commas: one readable value to compare.
std::string keys(const QJsonObject& object)
{
    QStringList names = object.keys();
    names.sort();
    return names.join(u',').toStdString();
}

void expectNumber(const QJsonValue& value, double expected, const char* what)
{
    ASSERT_TRUE(value.isDouble()) << what;
    EXPECT_EQ(value.toDouble(), expected) << what;
}

TEST(ResultJsonTest, AnalyzeObjectHasTheDocumentedKeysAndValues)
{
    const AnalysisResult r = sampleResult(5);
    const QJsonObject json = analysisJson(QStringLiteral("photos/cat.jpg"), r, true, false);

    EXPECT_EQ(keys(json), "cached,cams,image,layers,model,predictions,sha256,timings_ms,weights");
    EXPECT_EQ(json.value(QStringLiteral("image")).toString(), QStringLiteral("photos/cat.jpg"));
    EXPECT_EQ(json.value(QStringLiteral("sha256")).toString(), q(r.imageSha256));
    EXPECT_EQ(json.value(QStringLiteral("model")).toString(), QStringLiteral("resnet18"));
    EXPECT_EQ(json.value(QStringLiteral("weights")).toString(), q(r.weights));
    ASSERT_TRUE(json.value(QStringLiteral("cached")).isBool());
    EXPECT_TRUE(json.value(QStringLiteral("cached")).toBool());

    const QJsonArray predictions = json.value(QStringLiteral("predictions")).toArray();
    ASSERT_EQ(predictions.size(), 5);
    for (qsizetype i = 0; i < predictions.size(); ++i) {
        const QJsonObject p = predictions[i].toObject();
        const ClassScore& expected = r.prediction.top[static_cast<std::size_t>(i)];
        EXPECT_EQ(keys(p), "index,label,probability");
        EXPECT_EQ(p.value(QStringLiteral("index")).toInteger(), expected.index);
        EXPECT_EQ(p.value(QStringLiteral("label")).toString(), q(expected.label));
        expectNumber(p.value(QStringLiteral("probability")), expected.probability, "probability");
    }

    const QJsonArray layers = json.value(QStringLiteral("layers")).toArray();
    ASSERT_EQ(layers.size(), 2);
    for (qsizetype i = 0; i < layers.size(); ++i) {
        const QJsonObject layer = layers[i].toObject();
        const LayerResult& expected = r.layers[static_cast<std::size_t>(i)];
        EXPECT_EQ(keys(layer), "name,shape,stats,top_channels");
        EXPECT_EQ(layer.value(QStringLiteral("name")).toString(), q(expected.name));
        EXPECT_EQ(layer.value(QStringLiteral("shape")).toArray(), (QJsonArray{64, 14, 14}));

        const QJsonObject stats = layer.value(QStringLiteral("stats")).toObject();
        EXPECT_EQ(keys(stats), "channel_max,channel_mean,channel_sparsity,dead_channels,histogram,sparsity");
        expectNumber(stats.value(QStringLiteral("sparsity")), expected.sparsity, "sparsity");
        EXPECT_EQ(stats.value(QStringLiteral("dead_channels")).toInteger(-1), expected.deadChannels);
        const QJsonArray means = stats.value(QStringLiteral("channel_mean")).toArray();
        const QJsonArray maxima = stats.value(QStringLiteral("channel_max")).toArray();
        const QJsonArray sparsity = stats.value(QStringLiteral("channel_sparsity")).toArray();
        ASSERT_EQ(means.size(), 64);
        ASSERT_EQ(maxima.size(), 64);
        ASSERT_EQ(sparsity.size(), 64);
        for (qsizetype c = 0; c < 64; ++c) {
            const ChannelStats& s = expected.channels[static_cast<std::size_t>(c)];
            expectNumber(means[c], s.mean, "channel_mean");
            expectNumber(maxima[c], s.max, "channel_max");
            expectNumber(sparsity[c], s.sparsity, "channel_sparsity");
        }
        const QJsonObject histogram = stats.value(QStringLiteral("histogram")).toObject();
        EXPECT_EQ(keys(histogram), "counts,max,min");
        expectNumber(histogram.value(QStringLiteral("min")), -1.5, "histogram min");
        expectNumber(histogram.value(QStringLiteral("max")), 7.25, "histogram max");
        const QJsonArray counts = histogram.value(QStringLiteral("counts")).toArray();
        ASSERT_EQ(counts.size(), 64);
        expectNumber(counts[10], expected.histogram[10], "histogram counts");

        const QJsonArray top = layer.value(QStringLiteral("top_channels")).toArray();
        ASSERT_EQ(top.size(), 3);
        for (qsizetype t = 0; t < top.size(); ++t) {
            const QJsonObject channel = top[t].toObject();
            EXPECT_EQ(keys(channel), "channel,mean");
            EXPECT_EQ(channel.value(QStringLiteral("channel")).toInteger(), t * 3);
            expectNumber(channel.value(QStringLiteral("mean")), expected.tiles[static_cast<std::size_t>(t)].mean,
                         "top channel mean");
        }
    }

    const QJsonArray cams = json.value(QStringLiteral("cams")).toArray();
    ASSERT_EQ(cams.size(), 2);
    for (qsizetype i = 0; i < cams.size(); ++i) {
        const QJsonObject cam = cams[i].toObject();
        const CamResult& expected = r.cams[static_cast<std::size_t>(i)];
        EXPECT_EQ(keys(cam), "class_index,convergence_delta,faithfulness,grid,label,layer,method,road");
        const QJsonObject road = cam.value(QStringLiteral("road")).toObject();
        EXPECT_EQ(keys(road), "combined,least_relevant_first,measured,most_relevant_first,percentiles");
        EXPECT_EQ(road.value(QStringLiteral("percentiles")).toArray(), (QJsonArray{10, 50, 90}));
        expectNumber(road.value(QStringLiteral("most_relevant_first")).toArray()[0], -0.5f, "ROAD MoRF");
        expectNumber(road.value(QStringLiteral("combined")), 0.25f, "ROAD combined");
        EXPECT_TRUE(road.value(QStringLiteral("measured")).toBool());
        EXPECT_EQ(cam.value(QStringLiteral("method")).toString(), q(expected.method));
        EXPECT_EQ(cam.value(QStringLiteral("class_index")).toInteger(), 281);
        EXPECT_EQ(cam.value(QStringLiteral("label")).toString(), QStringLiteral("tabby"));
        EXPECT_EQ(cam.value(QStringLiteral("layer")).toString(), q(expected.layer));
        const QJsonArray grid = cam.value(QStringLiteral("grid")).toArray();
        ASSERT_EQ(grid.size(), 7);
        for (qsizetype y = 0; y < 7; ++y) {
            const QJsonArray row = grid[y].toArray();
            ASSERT_EQ(row.size(), 7);
            for (qsizetype x = 0; x < 7; ++x)
                expectNumber(row[x], expected.grid[static_cast<std::size_t>(y * 7 + x)], "grid");
        }
        const QJsonObject f = cam.value(QStringLiteral("faithfulness")).toObject();
        EXPECT_EQ(keys(f), "confidence,drop,increase,masked_confidence,measured");
        expectNumber(f.value(QStringLiteral("confidence")), 0.9f, "confidence");
        expectNumber(f.value(QStringLiteral("masked_confidence")), 0.4f, "masked_confidence");
        expectNumber(f.value(QStringLiteral("drop")), 0.55f, "drop");
        expectNumber(f.value(QStringLiteral("increase")), 0.0f, "increase");
    }

    const QJsonObject timings = json.value(QStringLiteral("timings_ms")).toObject();
    EXPECT_EQ(keys(timings), "cam,forward");
    expectNumber(timings.value(QStringLiteral("forward")), 17.5, "forward ms");
    expectNumber(timings.value(QStringLiteral("cam")), 3.0625, "cam ms");
}

TEST(ResultJsonTest, FullLogitsAddsEveryLogit)
{
    const AnalysisResult r = sampleResult(6);
    EXPECT_FALSE(analysisJson(QStringLiteral("a.png"), r, false, false).contains(QStringLiteral("logits")));
    const QJsonObject json = analysisJson(QStringLiteral("a.png"), r, false, true);
    EXPECT_FALSE(json.value(QStringLiteral("cached")).toBool(true));
    const QJsonArray logits = json.value(QStringLiteral("logits")).toArray();
    ASSERT_EQ(logits.size(), 1000);
    for (qsizetype i = 0; i < logits.size(); ++i)
        ASSERT_EQ(logits[i].toDouble(), static_cast<double>(r.prediction.logits[static_cast<std::size_t>(i)]))
            << "logit " << i;
}

TEST(ResultJsonTest, UntrainedWeightsAreNull)
{
    AnalysisResult r = sampleResult(7);
    r.weights.clear();
    const QJsonObject json = analysisJson(QStringLiteral("a.png"), r, false, false);
    ASSERT_TRUE(json.contains(QStringLiteral("weights")));
    EXPECT_TRUE(json.value(QStringLiteral("weights")).isNull());
}

TEST(ResultJsonTest, GridRowsFollowTheGridWidth)
{
    AnalysisResult r = sampleResult(8, 0, 0);
    r.cams.resize(1);
    CamResult& cam = r.cams[0];
    cam.gridHeight = 2;
    cam.gridWidth = 3;
    cam.grid = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    const QJsonObject json = analysisJson(QStringLiteral("a.png"), r, false, false);
    const QJsonArray grid =
        json.value(QStringLiteral("cams")).toArray()[0].toObject().value(QStringLiteral("grid")).toArray();
    EXPECT_EQ(grid, (QJsonArray{QJsonArray{1.0, 2.0, 3.0}, QJsonArray{4.0, 5.0, 6.0}}));
    EXPECT_TRUE(json.value(QStringLiteral("layers")).toArray().isEmpty());
}

TEST(ResultJsonTest, PredictObjectHoldsOnlyThePrediction)
{
    const AnalysisResult r = sampleResult(9);
    const QJsonObject json =
        predictionJson(QStringLiteral("dog.jpg"), "abc123", "mobilenet_v2", "/w/m.pth", r.prediction, false);
    EXPECT_EQ(keys(json), "image,model,predictions,sha256,weights");
    EXPECT_EQ(json.value(QStringLiteral("image")).toString(), QStringLiteral("dog.jpg"));
    EXPECT_EQ(json.value(QStringLiteral("sha256")).toString(), QStringLiteral("abc123"));
    EXPECT_EQ(json.value(QStringLiteral("model")).toString(), QStringLiteral("mobilenet_v2"));
    EXPECT_EQ(json.value(QStringLiteral("weights")).toString(), QStringLiteral("/w/m.pth"));
    const QJsonArray predictions = json.value(QStringLiteral("predictions")).toArray();
    ASSERT_EQ(predictions.size(), 5);
    EXPECT_EQ(predictions[0].toObject().value(QStringLiteral("label")).toString(), QStringLiteral("class 0"));

    const QJsonObject full =
        predictionJson(QStringLiteral("dog.jpg"), "abc123", "mobilenet_v2", "", r.prediction, true);
    EXPECT_EQ(keys(full), "image,logits,model,predictions,sha256,weights");
    EXPECT_TRUE(full.value(QStringLiteral("weights")).isNull());
    EXPECT_EQ(full.value(QStringLiteral("logits")).toArray().size(), 1000);
}

TEST(ResultJsonTest, ErrorObjects)
{
    EXPECT_EQ(keys(imageErrorJson(QStringLiteral("x.jpg"), "", "cannot read")), "error,image");
    const QJsonObject failed = imageErrorJson(QStringLiteral("x.jpg"), "ff00", "analysis failed");
    EXPECT_EQ(keys(failed), "error,image,sha256");
    EXPECT_EQ(failed.value(QStringLiteral("error")).toString(), QStringLiteral("analysis failed"));
    EXPECT_EQ(failed.value(QStringLiteral("sha256")).toString(), QStringLiteral("ff00"));
}

TEST(ResultJsonTest, IntegersAreWrittenAsIntegers)
{
    // check_cli.py compares shapes and class indices with Python ints.
    const QByteArray text = QJsonDocument(analysisJson(QStringLiteral("a.png"), sampleResult(3), false, false))
                                .toJson(QJsonDocument::Compact);
    EXPECT_TRUE(text.contains("\"shape\":[64,14,14]")) << text.left(400).toStdString();
    EXPECT_TRUE(text.contains("\"class_index\":281"));
    EXPECT_TRUE(text.contains("\"dead_channels\":1"));
}

}  // namespace
}  // namespace convlens
