#pragma once
// ColorBarWidget: a horizontal colour bar for the current colormap with "low" / "high" end labels.
// GUI thread only.

#include "core/report/colormap.h"

#include <QWidget>

namespace convlens {

class ColorBarWidget : public QWidget {
    Q_OBJECT

public:
    explicit ColorBarWidget(QWidget* parent = nullptr);
    void setColormap(Colormap map);
    // A black-to-white bar instead of the colormap (for grayscale feature maps).
    void setGrayscale(bool gray);
    // End labels, e.g. "0" and "1", or "0" and "0.83 (shared)".
    void setLabels(const QString& low, const QString& high);
    // Optional text centred between the end labels, e.g. "per-channel scale".
    void setCaption(const QString& caption);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    Colormap mColormap = Colormap::Jet;
    bool mGrayscale = false;
    QString mLow = QStringLiteral("low");
    QString mHigh = QStringLiteral("high");
    QString mCaption;
};

}  // namespace convlens
