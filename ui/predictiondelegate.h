#pragma once
// PredictionDelegate: paints one PredictionList row: the rank, the class label (elided, full text in the tooltip),
// the percentage right-aligned, and below the label a probability bar in the palette's highlight colour.
// Reads the row from the roles below. GUI thread only.

#include <QStyledItemDelegate>

namespace convlens {

class PredictionDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    enum Role {
        ClassIndexRole = Qt::UserRole,  // int
        ProbabilityRole,                // float in [0,1]
        RankRole,                       // int, 1 = top
    };

    explicit PredictionDelegate(QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    // "62.3 %", "4.17 %", "<0.01 %".
    static QString percentText(float probability);
};

}  // namespace convlens
