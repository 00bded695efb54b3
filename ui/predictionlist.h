#pragma once
// PredictionList: the top-K classes, one row each with rank, label, a probability bar and the percentage.
// Selecting a row selects that class everywhere (classSelected). GUI thread only.

#include "core/inspect/predictor.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QStackedLayout;

namespace convlens {

class PredictionList : public QWidget {
    Q_OBJECT

public:
    explicit PredictionList(QWidget* parent = nullptr);

    // Shows `prediction.top` (highest first) and selects the first row. An empty prediction clears the list.
    void setPrediction(const Prediction& prediction);
    void clear();
    // Selects the row of `classIndex` without emitting classSelected; false (and no row selected: another class,
    // picked beyond the top-K, is shown) when it is not listed.
    bool selectClass(int classIndex);
    int selectedClass() const;  // -1 when none
    int rowCount() const;
    // Shown instead of the list while there is no prediction.
    void setPlaceholderText(const QString& text);

Q_SIGNALS:
    void classSelected(int classIndex);

private:
    QListWidget* mList = nullptr;
    QLabel* mPlaceholder = nullptr;
    QStackedLayout* mStack = nullptr;
    Prediction mPrediction;
};

}  // namespace convlens
