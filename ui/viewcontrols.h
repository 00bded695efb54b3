#pragma once
// ViewControls: the toolbar's choosers — model, heatmap method (the method catalogue), colormap and opacity —
// added to a QToolBar. It only shows and reports choices: the main window forwards model and method to the
// session, colormap and opacity to the views. GUI thread only.

#include "core/registry/modelspec.h"
#include "core/report/colormap.h"

#include <QObject>
#include <QString>

#include <vector>

class QComboBox;
class QSlider;
class QToolBar;

namespace convlens {

class ViewControls : public QObject {
    Q_OBJECT

public:
    // Adds the labelled controls to `bar`, which owns them; `colormap` is the initial one's name.
    ViewControls(QToolBar* bar, const QString& colormap);

    void setModels(const std::vector<ModelSpec>& models);
    void showModel(const QString& modelId);
    void showMethod(const QString& methodId);
    void showColormap(const QString& name);

    QString colormapName() const;
    Colormap colormap() const;
    float opacity() const;  // 0..1

Q_SIGNALS:
    void modelChosen(const QString& modelId);
    void methodChosen(const QString& methodId);
    void colormapChanged(convlens::Colormap colormap);
    void opacityChanged(float opacity);

private:
    QComboBox* mModel = nullptr;
    QComboBox* mMethod = nullptr;
    QComboBox* mColormap = nullptr;
    QSlider* mOpacity = nullptr;
};

}  // namespace convlens
