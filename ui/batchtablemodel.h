#pragma once
// BatchTableModel: the rows of the batch view — one row per image of a folder batch, filled in as the
// BatchSession (core/session/batchsession.h) announces records. Columns: thumbnail, file, truth, then per model
// its top-1 class (marked right or wrong when the truth is known) and that class's probability, a "models
// disagree" marker (with two or more models), the time spent on the image, and its status (or the error naming
// what was wrong with the file).
//
// Roles beyond Qt's: SortRole gives numbers for the numeric columns, and the filter roles say what the
// BatchFilterProxy filters on. Holds copies of what it shows (thumbnails are implicitly shared); GUI thread only.

#include "core/batch/batchrecord.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QImage>
#include <QString>

#include <string>
#include <utility>
#include <vector>

namespace convlens {

class BatchTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Role {
        SortRole = Qt::UserRole + 1,
        PathRole,           // QString: the image's absolute path
        FileRole,           // QString: the image's name in the batch
        FailedRole,         // bool: some model's record failed
        MisclassifiedRole,  // bool: the truth is known and some model's top-1 is not it
        DisagreeRole,       // bool: the models' top-1 classes differ
        SearchTextRole,     // QString: file, truth and predicted labels, for the search field
    };

    explicit BatchTableModel(QObject* parent = nullptr);

    // The models of the batch (id, display name), in column order. Clears the rows.
    void setModels(const std::vector<std::pair<std::string, QString>>& models);
    void clear();
    // Shown file names drop this prefix (the folder of a one-folder batch, whose name every file starts with).
    void setDisplayPrefix(const QString& prefix);
    // Adds or updates the rows of `records` (one record per image × model).
    void addRecords(const std::vector<BatchRecord>& records, int first, int count);

    // Column layout.
    int thumbnailColumn() const { return 0; }
    int fileColumn() const { return 1; }
    int truthColumn() const { return 2; }
    int labelColumn(int model) const { return 3 + 2 * model; }
    int probabilityColumn(int model) const { return 4 + 2 * model; }
    int disagreeColumn() const;  // -1 with one model
    int timeColumn() const;
    int statusColumn() const;
    // The model of a label or probability column, -1 for the others.
    int modelOfColumn(int column) const;
    std::string modelId(int model) const;
    int modelCount() const { return int(mModels.size()); }

    bool hasTruth() const { return mHasTruth; }  // some image's truth is known
    int rowOfFile(const QString& file) const;    // -1 when absent
    // Whether every model failed on row `row` (an unreadable file): its reason is shown across the model columns
    // (the first model's label column holds it; the view spans it).
    bool rowUnreadable(int row) const;
    QString pathOfFile(const QString& file) const;
    QImage thumbnailOfFile(const QString& file) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Cell {
        bool present = false;
        BatchStatus status = BatchStatus::Ok;
        int top1 = -1;
        QString label;
        float probability = 0.0f;
        int correct = -1;  // 1 right, 0 wrong, -1 unknown
        double ms = 0.0;
        bool cached = false;
        QString error;
    };
    struct Row {
        QString file;
        QString path;
        QImage thumbnail;
        int truth = -1;
        QString truthLabel;
        std::vector<Cell> cells;  // per model
        bool failed() const;
        bool misclassified() const;
        bool disagree() const;
        double ms() const;
        QString status() const;
        QString reason() const;  // the first failure's message without the file's name; empty when none
    };

    QVariant cellData(const Row& row, int column, int role) const;

    std::vector<std::pair<std::string, QString>> mModels;
    std::vector<Row> mRows;
    QHash<QString, int> mRowOfFile;
    bool mHasTruth = false;
    QString mPrefix;
};

}  // namespace convlens
