// Batch records: JSON lines in and out, a run cut off mid-line, summaries.
#include "core/batch/batchrecord.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTextStream>

#include <gtest/gtest.h>

namespace convlens {
namespace {

BatchRecord sampleRecord(const QString& file, const std::string& model, int truth, std::vector<int> top)
{
    BatchRecord record;
    record.file = file;
    record.path = QStringLiteral("/data/") + file;
    record.sha256 = std::string(64, 'a');
    record.modelId = model;
    record.truth = truth;
    record.truthLabel = truth >= 0 ? "class " + std::to_string(truth) : "";
    float p = 0.5f;
    for (int index : top) {
        record.top.push_back({index, "label, with \"quotes\" " + std::to_string(index), p});
        p /= 2;
    }
    record.timingsMs = {{"decode", 1.5}, {"forward", 10.0}, {"total", 11.5}};
    return record;
}

TEST(BatchRecordTest, JsonRoundTrip)
{
    BatchRecord record = sampleRecord(QStringLiteral("val/n01/a.jpg"), "resnet18", 3, {3, 1, 2});
    record.report = QStringLiteral("reports/val/n01/a.jpg.resnet18.png");
    record.cached = true;
    auto back = BatchRecord::fromJson(record.toJson());
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(back->file, record.file);
    EXPECT_EQ(back->path, record.path);
    EXPECT_EQ(back->modelId, record.modelId);
    EXPECT_EQ(back->truth, 3);
    EXPECT_EQ(back->truthLabel, "class 3");
    ASSERT_EQ(back->top.size(), 3u);
    EXPECT_EQ(back->top[1].index, 1);
    EXPECT_EQ(back->top[1].label, record.top[1].label);
    EXPECT_FLOAT_EQ(back->top[1].probability, 0.25f);
    EXPECT_EQ(back->timingsMs, record.timingsMs);
    EXPECT_EQ(back->report, record.report);
    EXPECT_TRUE(back->cached);

    BatchRecord failed;
    failed.file = QStringLiteral("bad.png");
    failed.modelId = "resnet18";
    failed.status = BatchStatus::Failed;
    failed.error = "bad.png: not an image";
    auto failedBack = BatchRecord::fromJson(failed.toJson());
    ASSERT_TRUE(failedBack);
    EXPECT_EQ(failedBack->status, BatchStatus::Failed);
    EXPECT_EQ(failedBack->error, failed.error);
    EXPECT_EQ(failedBack->truth, -1);

    EXPECT_FALSE(BatchRecord::fromJson(QJsonObject{{QStringLiteral("file"), QStringLiteral("x")}}));
    QJsonObject okWithoutPredictions = failed.toJson();
    okWithoutPredictions.insert(QStringLiteral("status"), QStringLiteral("ok"));
    EXPECT_FALSE(BatchRecord::fromJson(okWithoutPredictions));
}

TEST(BatchRecordTest, CorrectnessNeedsTruthAndSuccess)
{
    EXPECT_EQ(sampleRecord(QStringLiteral("a"), "m", 3, {3, 1}).correctTop1(), 1);
    EXPECT_EQ(sampleRecord(QStringLiteral("a"), "m", 1, {3, 1}).correctTop1(), 0);
    EXPECT_EQ(sampleRecord(QStringLiteral("a"), "m", 1, {3, 1}).correctTop5(), 1);
    EXPECT_EQ(sampleRecord(QStringLiteral("a"), "m", 6, {0, 1, 2, 3, 4, 6}).correctTop5(), 0);  // 6th is not top-5
    EXPECT_EQ(sampleRecord(QStringLiteral("a"), "m", -1, {3}).correctTop1(), -1);
    BatchRecord failed = sampleRecord(QStringLiteral("a"), "m", 3, {3});
    failed.status = BatchStatus::Failed;
    EXPECT_EQ(failed.correctTop1(), -1);
}

TEST(BatchRecordTest, WriterAppendsAndReaderSkipsACutOffLine)
{
    QTemporaryDir dir;
    {
        auto writer = RecordWriter::open(dir.path());
        ASSERT_TRUE(writer) << writer.message();
        ASSERT_TRUE((*writer)->append(sampleRecord(QStringLiteral("a.jpg"), "m1", -1, {1})));
        ASSERT_TRUE((*writer)->append(sampleRecord(QStringLiteral("b.jpg"), "m1", -1, {2})));
    }
    // A kill mid-write leaves half a line; the next run appends after it on a line of its own.
    {
        QFile file(dir.filePath(QStringLiteral("records.jsonl")));
        ASSERT_TRUE(file.open(QIODevice::Append));
        file.write("{\"file\": \"c.jpg\", \"mo");
    }
    {
        auto writer = RecordWriter::open(dir.path());
        ASSERT_TRUE(writer);
        ASSERT_TRUE((*writer)->append(sampleRecord(QStringLiteral("a.jpg"), "m1", -1, {7})));  // a redo
    }
    auto read = readRecords(dir.path());
    ASSERT_TRUE(read) << read.message();
    ASSERT_EQ(read->records.size(), 3u);
    ASSERT_EQ(read->problems.size(), 1);
    EXPECT_TRUE(read->problems[0].contains(QStringLiteral("line 3")));
    const auto latest = latestRecords(read->records);
    ASSERT_EQ(latest.size(), 2u);
    EXPECT_EQ(latest[0].file, QStringLiteral("a.jpg"));
    EXPECT_EQ(latest[0].top[0].index, 7);  // the later record of a key wins

    QTemporaryDir empty;
    auto none = readRecords(empty.path());
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->records.empty());
}

TEST(BatchRecordTest, RecordsFileThatIsNotAFileIsRefused)
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("records.jsonl")));
    auto read = readRecords(dir.path());
    ASSERT_FALSE(read);
    EXPECT_EQ(read.kind(), ErrorKind::BadInput);
    EXPECT_NE(read.message().find("records.jsonl"), std::string::npos);
}

TEST(BatchRecordTest, SummaryCsvQuotesAndSortsNothingItselfAndJsonHoldsEveryRecord)
{
    QTemporaryDir dir;
    std::vector<BatchRecord> records = latestRecords(
        {sampleRecord(QStringLiteral("z, with comma.jpg"), "m2", 2, {2, 4, 6}), sampleRecord(QStringLiteral("a.jpg"), "m1", 9, {1})});
    ASSERT_EQ(records[0].file, QStringLiteral("a.jpg"));
    const QString csv = dir.filePath(QStringLiteral("summary.csv"));
    ASSERT_TRUE(writeSummaryCsv(csv, records));
    QFile file(csv);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 3);
    EXPECT_TRUE(lines[0].startsWith(QStringLiteral("file,model,sha256,status,truth_index")));
    EXPECT_TRUE(lines[1].startsWith(QStringLiteral("a.jpg,m1,")));
    EXPECT_TRUE(lines[1].contains(QStringLiteral(",ok,9,class 9,1,")));
    EXPECT_TRUE(lines[2].startsWith(QStringLiteral("\"z, with comma.jpg\",m2,")));
    EXPECT_TRUE(lines[2].contains(QStringLiteral("\"label, with \"\"quotes\"\" 2\"")));
    EXPECT_TRUE(lines[2].contains(QStringLiteral(",1,1,2 4 6,")));  // correct top-1 and top-5, the top-5 indices

    const QString json = dir.filePath(QStringLiteral("summary.json"));
    ASSERT_TRUE(writeSummaryJson(json, QJsonObject{{QStringLiteral("images"), 2}}, records,
                                 QJsonObject{{QStringLiteral("models"), QJsonArray()}}));
    QFile jsonFile(json);
    ASSERT_TRUE(jsonFile.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(jsonFile.readAll(), &error);
    ASSERT_TRUE(document.isObject()) << error.errorString().toStdString();
    EXPECT_EQ(document.object().value(QStringLiteral("batch")).toObject().value(QStringLiteral("images")).toInt(), 2);
    const QJsonArray array = document.object().value(QStringLiteral("records")).toArray();
    ASSERT_EQ(array.size(), 2);
    EXPECT_EQ(array[1].toObject().value(QStringLiteral("file")).toString(), QStringLiteral("z, with comma.jpg"));
    EXPECT_TRUE(document.object().value(QStringLiteral("accuracy")).isObject());
}

}  // namespace
}  // namespace convlens
