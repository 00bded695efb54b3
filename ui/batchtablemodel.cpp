#include "ui/batchtablemodel.h"

#include <QApplication>
#include <QBrush>
#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QPixmap>
#include <QStyle>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kThumbnailHeight = 40;

// Readable on the light and the dark palette alike.
QColor rightColor()
{
    return QColor(0x43, 0xa0, 0x47);
}

QColor wrongColor()
{
    return QColor(0xe5, 0x39, 0x35);
}

}  // namespace

bool BatchTableModel::Row::failed() const
{
    return std::any_of(cells.begin(), cells.end(),
                       [](const Cell& cell) { return cell.present && cell.status == BatchStatus::Failed; });
}

bool BatchTableModel::rowUnreadable(int row) const
{
    if (row < 0 || row >= int(mRows.size()))
        return false;
    const std::vector<Cell>& cells = mRows[std::size_t(row)].cells;
    return !cells.empty() && std::all_of(cells.begin(), cells.end(), [](const Cell& cell) {
        return cell.present && cell.status == BatchStatus::Failed;
    });
}

bool BatchTableModel::Row::misclassified() const
{
    return std::any_of(cells.begin(), cells.end(), [](const Cell& cell) { return cell.correct == 0; });
}

bool BatchTableModel::Row::disagree() const
{
    int first = -1;
    for (const Cell& cell : cells) {
        if (!cell.present || cell.status != BatchStatus::Ok)
            return false;  // only images every model classified
        if (first < 0)
            first = cell.top1;
        else if (cell.top1 != first)
            return true;
    }
    return false;
}

double BatchTableModel::Row::ms() const
{
    double total = 0.0;
    for (const Cell& cell : cells)
        total += cell.ms;
    return total;
}

QString BatchTableModel::Row::reason() const
{
    for (const Cell& cell : cells)
        if (cell.present && cell.status == BatchStatus::Failed) {
            // The message starts with the file's name, which the row already shows.
            const QString prefix = file + QStringLiteral(": ");
            return cell.error.startsWith(prefix) ? cell.error.mid(prefix.size()) : cell.error;
        }
    return {};
}

QString BatchTableModel::Row::status() const
{
    const bool unreadable = !cells.empty() && std::all_of(cells.begin(), cells.end(), [](const Cell& cell) {
        return cell.present && cell.status == BatchStatus::Failed;
    });
    if (unreadable)
        return tr("Could not be read");  // the reason spans the model columns
    if (failed())
        return reason();
    if (std::any_of(cells.begin(), cells.end(), [](const Cell& cell) { return !cell.present; }))
        return tr("Waiting…");
    if (std::all_of(cells.begin(), cells.end(), [](const Cell& cell) { return cell.cached; }))
        return tr("OK · cached");
    return tr("OK");
}

BatchTableModel::BatchTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void BatchTableModel::setModels(const std::vector<std::pair<std::string, QString>>& models)
{
    beginResetModel();
    mModels = models;
    mRows.clear();
    mRowOfFile.clear();
    mHasTruth = false;
    endResetModel();
}

void BatchTableModel::setDisplayPrefix(const QString& prefix)
{
    beginResetModel();
    mPrefix = prefix;
    endResetModel();
}

void BatchTableModel::clear()
{
    beginResetModel();
    mRows.clear();
    mRowOfFile.clear();
    mHasTruth = false;
    endResetModel();
}

int BatchTableModel::disagreeColumn() const
{
    return mModels.size() > 1 ? 3 + 2 * int(mModels.size()) : -1;
}

int BatchTableModel::timeColumn() const
{
    return 3 + 2 * int(mModels.size()) + (mModels.size() > 1 ? 1 : 0);
}

int BatchTableModel::statusColumn() const
{
    return timeColumn() + 1;
}

int BatchTableModel::modelOfColumn(int column) const
{
    const int model = (column - 3) / 2;
    return column >= 3 && model < int(mModels.size()) ? model : -1;
}

std::string BatchTableModel::modelId(int model) const
{
    return model >= 0 && model < int(mModels.size()) ? mModels[std::size_t(model)].first : std::string();
}

int BatchTableModel::rowOfFile(const QString& file) const
{
    return mRowOfFile.value(file, -1);
}

QString BatchTableModel::pathOfFile(const QString& file) const
{
    const int row = rowOfFile(file);
    return row < 0 ? QString() : mRows[std::size_t(row)].path;
}

QImage BatchTableModel::thumbnailOfFile(const QString& file) const
{
    const int row = rowOfFile(file);
    return row < 0 ? QImage() : mRows[std::size_t(row)].thumbnail;
}

void BatchTableModel::addRecords(const std::vector<BatchRecord>& records, int first, int count)
{
    const int end = std::min(int(records.size()), first + count);
    std::vector<int> changed;
    std::vector<Row> added;
    QHash<QString, int> addedIndex;
    for (int i = std::max(0, first); i < end; ++i) {
        const BatchRecord& record = records[std::size_t(i)];
        const auto model = std::find_if(mModels.begin(), mModels.end(),
                                        [&record](const auto& entry) { return entry.first == record.modelId; });
        if (model == mModels.end())
            continue;
        Row* row = nullptr;
        if (const int existing = rowOfFile(record.file); existing >= 0) {
            row = &mRows[std::size_t(existing)];
            changed.push_back(existing);
        } else if (const auto it = addedIndex.constFind(record.file); it != addedIndex.constEnd()) {
            row = &added[std::size_t(*it)];
        } else {
            addedIndex.insert(record.file, int(added.size()));
            added.emplace_back();
            row = &added.back();
            row->file = record.file;
            row->path = record.path;
            row->cells.resize(mModels.size());
        }
        if (row->thumbnail.isNull() && !record.thumbnail.isNull())
            row->thumbnail = record.thumbnail;
        if (record.truth >= 0) {
            row->truth = record.truth;
            row->truthLabel = QString::fromStdString(record.truthLabel);
            mHasTruth = true;
        }
        Cell& cell = row->cells[std::size_t(model - mModels.begin())];
        cell = Cell{};
        cell.present = true;
        cell.status = record.status;
        cell.cached = record.cached;
        cell.error = QString::fromStdString(record.error);
        if (!record.top.empty()) {
            cell.top1 = record.top.front().index;
            cell.label = QString::fromStdString(record.top.front().label);
            cell.probability = record.top.front().probability;
        }
        cell.correct = record.correctTop1();
        if (const auto total = record.timingsMs.find("total"); total != record.timingsMs.end())
            cell.ms = total->second;
    }
    if (!added.empty()) {
        const int firstRow = int(mRows.size());
        beginInsertRows({}, firstRow, firstRow + int(added.size()) - 1);
        for (Row& row : added) {
            mRowOfFile.insert(row.file, int(mRows.size()));
            mRows.push_back(std::move(row));
        }
        endInsertRows();
    }
    if (!changed.empty()) {
        const auto [low, high] = std::minmax_element(changed.begin(), changed.end());
        Q_EMIT dataChanged(index(*low, 0), index(*high, columnCount() - 1));
    }
}

int BatchTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(mRows.size());
}

int BatchTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : statusColumn() + 1;
}

QVariant BatchTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    const int model = modelOfColumn(section);
    if (role == Qt::DisplayRole) {
        if (section == thumbnailColumn())
            return QString();
        if (section == fileColumn())
            return tr("File");
        if (section == truthColumn())
            return tr("Truth");
        if (model >= 0) {
            const QString name = mModels[std::size_t(model)].second;
            if (section == labelColumn(model))
                return mModels.size() > 1 ? name : tr("Top-1 (%1)").arg(name);
            return tr("Prob.");
        }
        if (section == disagreeColumn())
            return QStringLiteral("≠");
        if (section == timeColumn())
            return tr("Time");
        if (section == statusColumn())
            return tr("Status");
    }
    if (role == Qt::ToolTipRole) {
        if (model >= 0)
            return section == labelColumn(model)
                       ? tr("%1's top-1 class").arg(mModels[std::size_t(model)].second)
                       : tr("%1's probability of its top-1 class").arg(mModels[std::size_t(model)].second);
        if (section == disagreeColumn())
            return tr("The models' top-1 classes differ");
        if (section == truthColumn())
            return tr("The class the folder name says (an ImageNet WordNet id or a class name)");
        if (section == timeColumn())
            return tr("Time spent on the image, all models together");
    }
    if (role == Qt::TextAlignmentRole &&
        (section == timeColumn() || (model >= 0 && section == probabilityColumn(model))))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant BatchTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(mRows.size()))
        return {};
    const Row& row = mRows[std::size_t(index.row())];
    switch (role) {
        case PathRole:
            return row.path;
        case FileRole:
            return row.file;
        case FailedRole:
            return row.failed();
        case MisclassifiedRole:
            return row.misclassified();
        case DisagreeRole:
            return row.disagree();
        case SearchTextRole: {
            QStringList parts{row.file, row.truthLabel};
            for (const Cell& cell : row.cells)
                parts << cell.label;
            return parts.join(QLatin1Char('\n'));
        }
        default:
            return cellData(row, index.column(), role);
    }
}

QVariant BatchTableModel::cellData(const Row& row, int column, int role) const
{
    const int model = modelOfColumn(column);
    const Cell* cell = model >= 0 ? &row.cells[std::size_t(model)] : nullptr;

    if (column == thumbnailColumn()) {
        if (role == Qt::DecorationRole && !row.thumbnail.isNull())
            return QPixmap::fromImage(row.thumbnail.scaledToHeight(kThumbnailHeight, Qt::SmoothTransformation));
        if (role == Qt::DecorationRole && row.failed())
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24);
        if (role == Qt::SizeHintRole)
            return QSize(kThumbnailHeight * 4 / 3 + 8, kThumbnailHeight + 6);
        return {};
    }
    if (column == fileColumn()) {
        if (role == Qt::DisplayRole)
            return !mPrefix.isEmpty() && row.file.startsWith(mPrefix) ? row.file.mid(mPrefix.size()) : row.file;
        if (role == SortRole)
            return row.file;
        if (role == Qt::ToolTipRole)
            return QDir::toNativeSeparators(row.path);
        return {};
    }
    if (column == truthColumn()) {
        if (role == Qt::DisplayRole || role == SortRole)
            return row.truth >= 0 ? row.truthLabel : QString();
        return {};
    }
    if (cell && column == labelColumn(model)) {
        if (!cell->present)
            return role == Qt::DisplayRole ? QVariant(QStringLiteral("…")) : QVariant();
        if (cell->status == BatchStatus::Failed) {
            // An unreadable file: the reason, across the model columns (the view spans this cell).
            const bool reason = model == 0 && std::all_of(row.cells.begin(), row.cells.end(), [](const Cell& c) {
                return c.present && c.status == BatchStatus::Failed;
            });
            if (role == Qt::DisplayRole)
                return reason ? row.reason() : QStringLiteral("—");  // without the file's name
            if (role == Qt::ForegroundRole && reason)
                return QBrush(wrongColor());
            if (role == Qt::ToolTipRole)
                return cell->error;
            return {};
        }
        switch (role) {
            case Qt::DisplayRole:
                return cell->correct == 1   ? QStringLiteral("✓ ") + cell->label
                       : cell->correct == 0 ? QStringLiteral("✗ ") + cell->label
                                            : cell->label;
            case SortRole:
                return cell->label;
            case Qt::ForegroundRole:
                if (cell->correct == 1)
                    return QBrush(rightColor());
                if (cell->correct == 0)
                    return QBrush(wrongColor());
                return {};
            case Qt::ToolTipRole:
                return cell->correct == 0
                           ? tr("%1 (class %2); the truth is %3").arg(cell->label).arg(cell->top1).arg(row.truthLabel)
                           : tr("%1 (class %2)").arg(cell->label).arg(cell->top1);
            default:
                return {};
        }
    }
    if (cell && column == probabilityColumn(model)) {
        const bool shown = cell->present && cell->status == BatchStatus::Ok && cell->top1 >= 0;
        if (role == Qt::DisplayRole)
            return shown ? QStringLiteral("%1%").arg(100.0 * cell->probability, 0, 'f', 1) : QString();
        if (role == SortRole)
            return shown ? double(cell->probability) : -1.0;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (column == disagreeColumn()) {
        const bool disagree = row.disagree();
        if (role == Qt::DisplayRole)
            return disagree ? QStringLiteral("≠") : QString();
        if (role == SortRole)
            return disagree ? 1 : 0;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignCenter);
        if (role == Qt::ForegroundRole && disagree)
            return QBrush(wrongColor());
        if (role == Qt::ToolTipRole && disagree)
            return tr("The models disagree on the top-1 class");
        return {};
    }
    if (column == timeColumn()) {
        const double ms = row.ms();
        if (role == Qt::DisplayRole)
            return ms > 0.0 ? tr("%1 ms").arg(ms, 0, 'f', 0) : QString();
        if (role == SortRole)
            return ms;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (column == statusColumn()) {
        const QString status = row.status();
        if (role == Qt::DisplayRole || role == SortRole)
            return status;
        if (role == Qt::ToolTipRole)
            return row.failed() ? tr("%1: %2").arg(QDir::toNativeSeparators(row.path), row.reason()) : status;
        if (role == Qt::ForegroundRole && row.failed())
            return QBrush(wrongColor());
        return {};
    }
    return {};
}

}  // namespace convlens
