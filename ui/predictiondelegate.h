#pragma once
// PredictionDelegate: paints one PredictionList row: the rank, the class label (elided in the middle only
// when it does not fit, full text in the tooltip),
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
    // The label as painted in a row `rowWidth` pixels wide beside `percent`: whole when it fits (the figure takes
    // only its own width), else cut in the middle ("Granny…Apple"), in the rank's font (the top row is bold).
    static QString shownLabel(const QFont& font, const QString& label, const QString& percent, int rowWidth, int rank);
};

}  // namespace convlens
