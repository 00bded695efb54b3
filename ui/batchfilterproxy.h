#pragma once
// BatchFilterProxy: the batch table as the user filters and sorts it — all images, the failed ones, the
// misclassified ones (the truth is known and a model's top-1 is not it) or those the models disagree on, narrowed
// by a search text matched against the file name, the truth and the predicted classes (case-insensitive). Sorts by
// BatchTableModel::SortRole, so numbers sort as numbers. GUI thread only.

#include <QCollator>
#include <QSortFilterProxyModel>
#include <QString>

namespace convlens {

class BatchFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT

public:
    enum class Show { All, Failed, Misclassified, Disagree };

    explicit BatchFilterProxy(QObject* parent = nullptr);

    void setShow(Show show);
    Show show() const { return mShow; }
    void setSearchText(const QString& text);
    QString searchText() const { return mSearch; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    // Text as people sort it ("img2" before "img10"), numbers as numbers.
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QCollator mCollator;
    Show mShow = Show::All;
    QString mSearch;
};

}  // namespace convlens
