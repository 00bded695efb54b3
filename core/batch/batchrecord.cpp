#include "core/batch/batchrecord.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>
#include <map>

namespace convlens {

namespace {

constexpr qint64 kMaxRecordsBytes = 4ll << 30;  // records.jsonl of 4 GiB is millions of images: anything larger
                                                 // is not a records file
constexpr qint64 kMaxLineBytes = 1 << 20;

QString csvField(const QString& text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')) &&
        !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString number(double value, int precision = 6)
{
    return QString::number(value, 'g', precision);
}

Expected<void> commit(QSaveFile& file)
{
    if (!file.commit())
        return makeError(ErrorKind::Internal,
                         QDir::toNativeSeparators(file.fileName()).toStdString() + ": cannot write: " +
                             file.errorString().toStdString());
    return {};
}

}  // namespace

const char* statusName(BatchStatus status)
{
    return status == BatchStatus::Ok ? "ok" : "failed";
}

int BatchRecord::correctTop1() const
{
    if (truth < 0 || status != BatchStatus::Ok || top.empty())
        return -1;
    return top.front().index == truth ? 1 : 0;
}

int BatchRecord::correctTop5() const
{
    if (truth < 0 || status != BatchStatus::Ok || top.empty())
        return -1;
    const std::size_t n = std::min<std::size_t>(5, top.size());
    for (std::size_t i = 0; i < n; ++i)
        if (top[i].index == truth)
            return 1;
    return 0;
}

QString BatchRecord::key() const
{
    return file + QLatin1Char('\n') + QString::fromStdString(modelId);
}

QJsonObject BatchRecord::toJson() const
{
    QJsonObject object;
    object.insert(QStringLiteral("file"), file);
    object.insert(QStringLiteral("path"), path);
    object.insert(QStringLiteral("sha256"), QString::fromStdString(sha256));
    object.insert(QStringLiteral("model"), QString::fromStdString(modelId));
    object.insert(QStringLiteral("status"), QString::fromLatin1(statusName(status)));
    if (truth >= 0) {
        object.insert(QStringLiteral("truth_index"), truth);
        object.insert(QStringLiteral("truth_label"), QString::fromStdString(truthLabel));
    }
    QJsonArray predictions;
    for (const ClassScore& score : top)
        predictions.append(QJsonObject{{QStringLiteral("index"), score.index},
                                       {QStringLiteral("label"), QString::fromStdString(score.label)},
                                       {QStringLiteral("probability"), double(score.probability)}});
    object.insert(QStringLiteral("predictions"), predictions);
    QJsonObject timings;
    for (const auto& [stage, ms] : timingsMs)
        timings.insert(QString::fromStdString(stage), ms);
    object.insert(QStringLiteral("timings_ms"), timings);
    if (!error.empty())
        object.insert(QStringLiteral("error"), QString::fromStdString(error));
    if (!report.isEmpty())
        object.insert(QStringLiteral("report"), report);
    if (cached)
        object.insert(QStringLiteral("cached"), true);
    return object;
}

Expected<BatchRecord> BatchRecord::fromJson(const QJsonObject& object)
{
    BatchRecord record;
    record.file = object.value(QStringLiteral("file")).toString();
    record.modelId = object.value(QStringLiteral("model")).toString().toStdString();
    if (record.file.isEmpty() || record.modelId.empty())
        return makeError(ErrorKind::BadInput, "not a batch record: \"file\" or \"model\" is missing");
    const QString status = object.value(QStringLiteral("status")).toString();
    if (status == QLatin1String("ok"))
        record.status = BatchStatus::Ok;
    else if (status == QLatin1String("failed"))
        record.status = BatchStatus::Failed;
    else
        return makeError(ErrorKind::BadInput, "status \"" + status.toStdString() + "\" is neither ok nor failed");
    record.path = object.value(QStringLiteral("path")).toString();
    record.sha256 = object.value(QStringLiteral("sha256")).toString().toStdString();
    record.truth = object.value(QStringLiteral("truth_index")).toInt(-1);
    record.truthLabel = object.value(QStringLiteral("truth_label")).toString().toStdString();
    for (const QJsonValue& value : object.value(QStringLiteral("predictions")).toArray()) {
        const QJsonObject score = value.toObject();
        record.top.push_back({score.value(QStringLiteral("index")).toInt(),
                              score.value(QStringLiteral("label")).toString().toStdString(),
                              float(score.value(QStringLiteral("probability")).toDouble())});
    }
    const QJsonObject timings = object.value(QStringLiteral("timings_ms")).toObject();
    for (auto it = timings.begin(); it != timings.end(); ++it)
        record.timingsMs[it.key().toStdString()] = it.value().toDouble();
    record.error = object.value(QStringLiteral("error")).toString().toStdString();
    record.report = object.value(QStringLiteral("report")).toString();
    record.cached = object.value(QStringLiteral("cached")).toBool();
    if (record.status == BatchStatus::Ok && record.top.empty())
        return makeError(ErrorKind::BadInput, "an ok record without predictions");
    return record;
}

Expected<std::unique_ptr<RecordWriter>> RecordWriter::open(const QString& folder)
{
    auto writer = std::make_unique<RecordWriter>();
    writer->mFile.setFileName(QDir(folder).filePath(QStringLiteral("records.jsonl")));
    if (!writer->mFile.open(QIODevice::WriteOnly | QIODevice::Append))
        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(writer->mFile.fileName()).toStdString() +
                                                  ": cannot open for writing: " +
                                                  writer->mFile.errorString().toStdString());
    // A line cut off by a kill would glue onto the next record: start on a line of our own.
    if (writer->mFile.size() > 0) {
        QFile tail(writer->mFile.fileName());
        if (tail.open(QIODevice::ReadOnly) && tail.seek(tail.size() - 1) && tail.read(1) != "\n")
            writer->mFile.write("\n");
    }
    return writer;
}

Expected<void> RecordWriter::append(const BatchRecord& record)
{
    const QByteArray line = QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact) + '\n';
    if (mFile.write(line) != line.size() || !mFile.flush())
        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(mFile.fileName()).toStdString() +
                                                  ": cannot write: " + mFile.errorString().toStdString());
    return {};
}

Expected<RecordsRead> readRecords(const QString& folder)
{
    RecordsRead read;
    const QString name = QDir(folder).filePath(QStringLiteral("records.jsonl"));
    const QFileInfo info(name);
    if (!info.exists())
        return read;
    const std::string shown = QDir::toNativeSeparators(name).toStdString();
    if (!info.isFile())
        return makeError(ErrorKind::BadInput, shown + ": not a regular file");
    if (info.size() > kMaxRecordsBytes)
        return makeError(ErrorKind::BadInput, shown + ": larger than 4 GiB, not a records file");
    QFile file(name);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::BadInput, shown + ": cannot read: " + file.errorString().toStdString());
    int lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine(kMaxLineBytes).trimmed();
        ++lineNumber;
        if (line.isEmpty())
            continue;
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        if (!document.isObject()) {
            // The last line of a killed run may be cut off: it is simply not a record.
            read.problems << QStringLiteral("%1 line %2: not a JSON object (%3); ignored")
                                 .arg(QDir::toNativeSeparators(name))
                                 .arg(lineNumber)
                                 .arg(parseError.errorString());
            continue;
        }
        auto record = BatchRecord::fromJson(document.object());
        if (!record) {
            read.problems << QStringLiteral("%1 line %2: %3; ignored")
                                 .arg(QDir::toNativeSeparators(name))
                                 .arg(lineNumber)
                                 .arg(QString::fromStdString(record.message()));
            continue;
        }
        read.records.push_back(std::move(*record));
    }
    return read;
}

std::vector<BatchRecord> latestRecords(std::vector<BatchRecord> records)
{
    std::map<std::pair<QByteArray, std::string>, std::size_t> latest;
    for (std::size_t i = 0; i < records.size(); ++i)
        latest[{records[i].file.toUtf8(), records[i].modelId}] = i;
    std::vector<BatchRecord> result;
    result.reserve(latest.size());
    for (const auto& [key, index] : latest)
        result.push_back(std::move(records[index]));
    return result;
}

Expected<void> writeSummaryCsv(const QString& fileName, const std::vector<BatchRecord>& records)
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(fileName).toStdString() +
                                                  ": cannot write: " + file.errorString().toStdString());
    QTextStream out(&file);
    out.setEncoding(QStringConverter::Utf8);
    out << "file,model,sha256,status,truth_index,truth_label,top1_index,top1_label,top1_probability,correct_top1,"
           "correct_top5,top5_indices,top5_probabilities,ms_total,report,error\n";
    for (const BatchRecord& record : records) {
        QStringList indices;
        QStringList probabilities;
        for (std::size_t i = 0; i < record.top.size() && i < 5; ++i) {
            indices << QString::number(record.top[i].index);
            probabilities << number(record.top[i].probability);
        }
        const auto correct = [](int value) { return value < 0 ? QString() : QString::number(value); };
        const auto total = record.timingsMs.find("total");
        QStringList row;
        row << csvField(record.file) << csvField(QString::fromStdString(record.modelId))
            << QString::fromStdString(record.sha256) << QString::fromLatin1(statusName(record.status))
            << (record.truth >= 0 ? QString::number(record.truth) : QString())
            << csvField(QString::fromStdString(record.truthLabel))
            << (record.top.empty() ? QString() : QString::number(record.top.front().index))
            << (record.top.empty() ? QString() : csvField(QString::fromStdString(record.top.front().label)))
            << (record.top.empty() ? QString() : number(record.top.front().probability))
            << correct(record.correctTop1()) << correct(record.correctTop5()) << indices.join(QLatin1Char(' '))
            << probabilities.join(QLatin1Char(' '))
            << (total == record.timingsMs.end() ? QString() : QString::number(total->second, 'f', 1))
            << csvField(record.report) << csvField(QString::fromStdString(record.error));
        out << row.join(QLatin1Char(',')) << '\n';
    }
    out.flush();
    return commit(file);
}

Expected<void> writeSummaryJson(const QString& fileName, const QJsonObject& batch,
                                const std::vector<BatchRecord>& records, const QJsonObject& accuracy)
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorKind::Internal, QDir::toNativeSeparators(fileName).toStdString() +
                                                  ": cannot write: " + file.errorString().toStdString());
    // Written piece by piece: a batch of 50,000 records is not built as one QJsonDocument.
    file.write("{\n\"batch\": ");
    file.write(QJsonDocument(batch).toJson(QJsonDocument::Compact));
    file.write(",\n\"records\": [");
    bool first = true;
    for (const BatchRecord& record : records) {
        file.write(first ? "\n" : ",\n");
        first = false;
        file.write(QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact));
    }
    file.write("\n],\n\"accuracy\": ");
    file.write(QJsonDocument(accuracy).toJson(QJsonDocument::Compact));
    file.write("\n}\n");
    return commit(file);
}

}  // namespace convlens
