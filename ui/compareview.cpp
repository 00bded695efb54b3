#include "ui/compareview.h"

#include "core/inspect/camscale.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "ui/colorbarwidget.h"
#include "ui/explanationview.h"
#include "ui/overlaycell.h"
#include "ui/tilemodel.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>

namespace convlens {

CompareView::CompareView(QWidget* parent) : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);
    mHint = new QLabel(tr("Choose two or more models to compare (View ▸ Compare models…)."), this);
    mHint->setAlignment(Qt::AlignCenter);
    outer->addWidget(mHint);
    mGrid = new QGridLayout;
    mGrid->setSpacing(8);
    outer->addLayout(mGrid, 1);
    // One bar for the grid, on its own row: the shared scale is what makes the cells comparable.
    auto* legend = new QHBoxLayout;
    mColorBar = new ColorBarWidget(this);
    mColorBar->setMinimumWidth(140);
    mColorBar->setMaximumWidth(420);
    mColorBar->hide();
    legend->addStretch(1);
    legend->addWidget(mColorBar, 4);
    legend->addStretch(1);
    outer->addLayout(legend);
}

void CompareView::setModels(const std::vector<std::pair<QString, QString>>& idsAndNames)
{
    for (auto& [id, cell] : mCells) {
        mGrid->removeWidget(cell);
        cell->deleteLater();
    }
    mCells.clear();
    mResults.clear();
    mOrder.clear();
    const int n = static_cast<int>(idsAndNames.size());
    const int columns = n <= 2 ? std::max(n, 1) : (n <= 4 ? 2 : 3);
    for (int i = 0; i < n; ++i) {
        const auto& [id, name] = idsAndNames[static_cast<std::size_t>(i)];
        auto* cell = new OverlayCell(name, this);
        mGrid->addWidget(cell, i / columns, i % columns);
        mCells[id] = cell;
        mOrder.push_back(id);
    }
    mHint->setVisible(n < 2);
}

QStringList CompareView::modelIds() const
{
    QStringList ids;
    for (const QString& id : mOrder)
        ids << id;
    return ids;
}

void CompareView::setProgress(const QString& modelId, double fraction, const QString& stage)
{
    if (auto it = mCells.find(modelId); it != mCells.end())
        it->second->setProgress(fraction, stage);
}

void CompareView::setResult(const QString& modelId, ResultPtr result)
{
    if (!mCells.count(modelId))
        return;
    mResults[modelId] = std::move(result);
    refresh();
}

void CompareView::setError(const QString& modelId, const QString& message)
{
    mResults.erase(modelId);
    if (auto it = mCells.find(modelId); it != mCells.end())
        it->second->setError(message);
    refresh();
}

void CompareView::setBanner(const QString& modelId, const QString& banner)
{
    if (auto it = mCells.find(modelId); it != mCells.end())
        it->second->setBanner(banner);
}

void CompareView::setClass(int classIndex)
{
    mClass = classIndex;
    refresh();
}

void CompareView::setMethod(const QString& method)
{
    mMethod = method;
    refresh();
}

void CompareView::setColormap(Colormap map)
{
    mColormap = map;
    refresh();
}

void CompareView::setOpacity(float opacity)
{
    mOpacity = opacity;
    refresh();
}

void CompareView::setSharedScale(bool shared)
{
    mSharedScale = shared;
    refresh();
}

bool CompareView::hasOverlay(const QString& modelId) const
{
    const auto result = mResults.find(modelId);
    return result != mResults.end() && result->second &&
           result->second->findCam(mMethod, mClass >= 0 ? mClass : -1) != nullptr;
}

QImage CompareView::cellImage(const QString& modelId) const
{
    const auto it = mCells.find(modelId);
    return it == mCells.end() ? QImage() : it->second->composed();
}

ResultPtr CompareView::result(const QString& modelId) const
{
    const auto it = mResults.find(modelId);
    return it == mResults.end() ? nullptr : it->second;
}

void CompareView::refresh()
{
    // The class a cell explains: the chosen one (every model was asked for it), else the cell's own top class
    // (before a class is chosen the models were asked for nothing else).
    const auto classOf = [this](const AnalysisResult& result) {
        if (mClass >= 0 || result.prediction.top.empty())
            return mClass;
        return result.prediction.top.front().index;
    };

    std::vector<const CamResult*> cams;
    for (const QString& id : mOrder)
        if (auto it = mResults.find(id); it != mResults.end() && it->second)
            if (const CamResult* cam = it->second->findCam(mMethod, classOf(*it->second)))
                cams.push_back(cam);
    const CamScale shared = sharedCamScale(cams);
    // Guided methods are images of their own; the bar is for the layer maps.
    const bool layerMaps =
        std::any_of(cams.begin(), cams.end(), [](const CamResult* cam) { return cam->guided.empty(); });
    mColorBar->setColormap(mColormap);
    mColorBar->setVisible(layerMaps);
    if (mSharedScale) {
        mColorBar->setLabels(TileModel::formatValue(shared.low), TileModel::formatValue(shared.high));
        mColorBar->setCaption(tr("one scale for every model"));
    } else {
        mColorBar->setLabels(tr("low"), tr("high"));
        mColorBar->setCaption(tr("each model on its own scale"));
    }

    for (const QString& id : mOrder) {
        const auto it = mResults.find(id);
        if (it == mResults.end() || !it->second)
            continue;
        const AnalysisResult& result = *it->second;
        const int classIndex = classOf(result);
        QString html;
        const auto& top = result.prediction.top;
        for (std::size_t i = 0; i < top.size() && i < 3; ++i) {
            const bool chosen = top[i].index == classIndex;
            html += QStringLiteral("%1%2. %3 — %4%%5<br>")
                        .arg(chosen ? QStringLiteral("<b>") : QString())
                        .arg(i + 1)
                        .arg(QString::fromStdString(top[i].label).toHtmlEscaped())
                        .arg(top[i].probability * 100.0, 0, 'f', 1)
                        .arg(chosen ? QStringLiteral("</b>") : QString());
        }
        QImage composed = result.input;
        if (const CamResult* cam = result.findCam(mMethod, classIndex)) {
            if (!cam->guided.empty()) {
                composed = guidedImage(*cam);
            } else {
                const std::vector<float> heatmap = mSharedScale ? scaledHeatmap(*cam, shared) : cam->heatmap;
                composed = overlayHeatmap(result.input, heatmap, cam->heatmapSize, mColormap, mOpacity);
            }
            const QString layer = QString::fromStdString(cam->layer).toHtmlEscaped();
            html += (ExplanationView::mapDependsOnClass(mMethod)
                         ? tr("<small>%1 for <b>%2</b> at %3")
                               .arg(methodName(mMethod), QString::fromStdString(cam->label).toHtmlEscaped(), layer)
                         : tr("<small>%1 at %2 (the same for every class)").arg(methodName(mMethod), layer)) +
                    QStringLiteral(" · ") + ExplanationView::faithfulnessText(*cam, mMethod, false);
            // How strong this map is on the shared scale: its peak as a share of the strongest map's.
            if (const std::optional<double> peak = peakOnScale(*cam, shared); mSharedScale && peak)
                html += tr(" · peak %1% of the shared scale").arg(*peak, 0, 'f', 0);
            html += QStringLiteral("</small>");
        } else if (classIndex >= 0) {
            html +=
                tr("<small>No %1 map for class %2 in this result.</small>").arg(methodName(mMethod)).arg(classIndex);
        }
        mCells[id]->show(composed, html);
    }
}

}  // namespace convlens
