#include "ui/batchfilterproxy.h"

#include "ui/batchtablemodel.h"

namespace convlens {

BatchFilterProxy::BatchFilterProxy(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(BatchTableModel::SortRole);
    // The "C" locale collates byte by byte, numbers included; English is the closest to what people expect.
    if (QLocale().language() == QLocale::C)
        mCollator.setLocale(QLocale(QLocale::English));
    mCollator.setNumericMode(true);
    mCollator.setCaseSensitivity(Qt::CaseInsensitive);
    // Rows filled in later (records arrive chunk by chunk) are filtered and sorted as they come.
    setDynamicSortFilter(true);
}

void BatchFilterProxy::setShow(Show show)
{
    if (show == mShow)
        return;
    mShow = show;
    invalidateRowsFilter();
}

void BatchFilterProxy::setSearchText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == mSearch)
        return;
    mSearch = trimmed;
    invalidateRowsFilter();
}

bool BatchFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant a = left.data(sortRole());
    const QVariant b = right.data(sortRole());
    if (a.typeId() == QMetaType::QString && b.typeId() == QMetaType::QString)
        return mCollator.compare(a.toString(), b.toString()) < 0;
    return QSortFilterProxyModel::lessThan(left, right);
}

bool BatchFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    switch (mShow) {
        case Show::All:
            break;
        case Show::Failed:
            if (!index.data(BatchTableModel::FailedRole).toBool())
                return false;
            break;
        case Show::Misclassified:
            if (!index.data(BatchTableModel::MisclassifiedRole).toBool())
                return false;
            break;
        case Show::Disagree:
            if (!index.data(BatchTableModel::DisagreeRole).toBool())
                return false;
            break;
    }
    if (mSearch.isEmpty())
        return true;
    // Class names are written with spaces; "great_dane" finds "Great Dane" as the folder names do.
    QString search = mSearch;
    search.replace(QLatin1Char('_'), QLatin1Char(' '));
    const QString text = index.data(BatchTableModel::SearchTextRole).toString();
    return text.contains(mSearch, Qt::CaseInsensitive) || text.contains(search, Qt::CaseInsensitive);
}

}  // namespace convlens
