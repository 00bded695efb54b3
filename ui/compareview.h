#pragma once
// CompareView: several models side by side for the same image and the same class: a grid of cells, one per model,
// each with the model's name, its top-3 predictions, the CAM overlay for the chosen class and method, and the
// faithfulness of that map. Cells fill in as their results arrive; a cell shows its job's progress or its error
// until then. With a shared scale, every overlay is normalised with one low/high over all cells' raw grids
// (core/inspect/camscale.h), so the heatmaps of two models are comparable. GUI thread only.

#include "core/jobs/job.h"
#include "core/report/colormap.h"

#include <QString>
#include <QWidget>

#include <map>
#include <vector>

class QGridLayout;
class QLabel;

namespace convlens {

class ColorBarWidget;

class OverlayCell;

class CompareView : public QWidget {
    Q_OBJECT

public:
    explicit CompareView(QWidget* parent = nullptr);

    // One cell per model id, in this order (display names beside); clears earlier results.
    void setModels(const std::vector<std::pair<QString, QString>>& idsAndNames);
    QStringList modelIds() const;

    void setProgress(const QString& modelId, double fraction, const QString& stage);
    void setResult(const QString& modelId, ResultPtr result);
    void setError(const QString& modelId, const QString& message);
    void setBanner(const QString& modelId, const QString& banner);  // e.g. untrained weights; empty = none

    void setClass(int classIndex);
    void setMethod(const QString& method);
    void setColormap(Colormap map);
    void setOpacity(float opacity);
    void setSharedScale(bool shared);
    bool sharedScale() const { return mSharedScale; }

    // Whether `modelId`'s cell shows an overlay now (tests), and what it shows.
    bool hasOverlay(const QString& modelId) const;
    QImage cellImage(const QString& modelId) const;
    ResultPtr result(const QString& modelId) const;
    // The colour bar under the grid: shown while a cell shows a map; says whether the maps share one scale.
    ColorBarWidget* colorBar() const { return mColorBar; }

private:
    void refresh();

    QGridLayout* mGrid = nullptr;
    QLabel* mHint = nullptr;
    ColorBarWidget* mColorBar = nullptr;
    std::vector<QString> mOrder;
    std::map<QString, OverlayCell*> mCells;
    std::map<QString, ResultPtr> mResults;
    int mClass = -1;
    QString mMethod = QStringLiteral("gradcam");
    Colormap mColormap = Colormap::Jet;
    float mOpacity = 0.5f;
    bool mSharedScale = true;
};

}  // namespace convlens
