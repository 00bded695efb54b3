#pragma once
// HistogramWidget: a layer's activation histogram (LayerResult::histogram over [min, max]) as bars on a
// logarithmic count axis, since ReLU outputs put most values in the zero bin; the value range is written under
// the bars and the hovered bin in a tooltip. GUI thread only.

#include <QWidget>

#include <vector>

namespace convlens {

class HistogramWidget : public QWidget {
    Q_OBJECT

public:
    explicit HistogramWidget(QWidget* parent = nullptr);

    // Empty `counts` clears the plot.
    void setHistogram(std::vector<float> counts, float min, float max);
    void clear();
    int binCount() const { return static_cast<int>(mCounts.size()); }
    // The bin under widget position x, or -1.
    int binAt(int x) const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRectF plotRect() const;

    std::vector<float> mCounts;
    float mMin = 0.0f;
    float mMax = 0.0f;
};

}  // namespace convlens
