#pragma once
// BatchRecord: one row of a batch's summary — one image with one model: what the model predicted, the truth when
// the folder layout says it, the timings, and whether it worked. Records are streamed to disk as they are made
// (records.jsonl, one JSON object a line, flushed after each), so a batch of any size keeps no results in memory,
// a cancelled or killed run loses nothing finished, and --resume and merge read them back.
//
// The files of a batch output folder (README, "Folder batches"):
//   batch.json      what was asked (models, options, shard, inputs), written at the start
//   records.jsonl   the records as they were made; the source of every other summary
//   summary.csv     one row per image × model, sorted by file then model (writeSummaryCsv)
//   summary.json    {"batch": …, "records": […], "accuracy": …} (writeSummaryJson)
//   reports/        per image × model: <file>.<model>.png and .pdf (with --report)
//
// Torch-free; plain functions, any thread. Failure: Expected errors (kind Internal for files that cannot be
// written, BadInput for files that cannot be read back) naming the file and the line.

#include "core/common/expected.h"
#include "core/inspect/predictor.h"

#include <QFile>
#include <QImage>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace convlens {

enum class BatchStatus {
    Ok,      // predicted (and reported, when reports were asked)
    Failed,  // the image could not be read or analysed: `error` says why; a later --resume leaves it alone
};

struct BatchRecord {
    QString file;             // BatchFile::relative: the image's name in the batch
    QString path;             // the absolute path when it was processed (informative; merge keeps it)
    std::string sha256;       // of the file's bytes; empty when it could not be read
    std::string modelId;
    int truth = -1;           // class index the folder layout says, -1 when unknown
    std::string truthLabel;
    std::vector<ClassScore> top;  // best first, top-K
    std::map<std::string, double> timingsMs;  // "decode", "preprocess", "forward" (the image's share of its
                                              // batch), "analysis", "report", "total"
    BatchStatus status = BatchStatus::Ok;
    std::string error;        // Failed: the message, naming the file
    QString report;           // the report's PNG relative to the output folder; empty when none was made
    bool cached = false;      // the prediction came from the result cache

    QImage thumbnail;  // in memory only (the window's table); never written

    // 1 when the top-1 class is the truth, 0 when not, -1 when the truth is unknown or the record failed.
    int correctTop1() const;
    // The same for the top-5 (or top-K when K < 5).
    int correctTop5() const;
    // The key of resume and merge: "<file>\n<model>".
    QString key() const;

    QJsonObject toJson() const;
    static Expected<BatchRecord> fromJson(const QJsonObject& object);
};

const char* statusName(BatchStatus status);  // "ok", "failed"

// Appends records to DIR/records.jsonl, one line each, flushed at once. Opened in append mode: a resumed run
// adds to what is there. A last line cut off by a kill is ignored by readRecords.
class RecordWriter {
public:
    static Expected<std::unique_ptr<RecordWriter>> open(const QString& folder);
    Expected<void> append(const BatchRecord& record);
    QString fileName() const { return mFile.fileName(); }

private:
    QFile mFile;
};

struct RecordsRead {
    std::vector<BatchRecord> records;  // in file order; a later record for the same key replaces an earlier one
    QStringList problems;              // "records.jsonl line 12: …" for lines that are not a record (ignored)
};

// The records of DIR/records.jsonl (an absent file gives none). Memory: the records without thumbnails
// (about 1 KB each with top-5).
Expected<RecordsRead> readRecords(const QString& folder);

// The records of each key once (the last one read wins), sorted by file then model.
std::vector<BatchRecord> latestRecords(std::vector<BatchRecord> records);

// summary.csv: header file,model,sha256,status,truth_index,truth_label,top1_index,top1_label,top1_probability,
// correct_top1,correct_top5,top5_indices,top5_probabilities,ms_total,report,error — one row per record, in the
// order given. RFC 4180 quoting.
Expected<void> writeSummaryCsv(const QString& fileName, const std::vector<BatchRecord>& records);

// summary.json: {"batch": batch, "records": [record.toJson()…], "accuracy": accuracy} (accuracy may be empty).
Expected<void> writeSummaryJson(const QString& fileName, const QJsonObject& batch,
                                const std::vector<BatchRecord>& records, const QJsonObject& accuracy);

}  // namespace convlens
