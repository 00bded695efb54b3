#include "ui/methodsgridview.h"

#include "core/inspect/camscale.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "ui/colorbarwidget.h"
#include "ui/explanationview.h"
#include "ui/overlaycell.h"
#include "ui/tilemodel.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

namespace convlens {

MethodsGridView::MethodsGridView(QWidget* parent) : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);
    auto* top = new QHBoxLayout;
    mHeader = new QLabel(tr("Open an image to compare the methods on it."), this);
    mHeader->setTextFormat(Qt::RichText);
    mHeader->setWordWrap(true);
    mOneScaleBox = new QCheckBox(tr("Raw values on one scale"), this);
    mOneScaleBox->setChecked(mOneScale);
    mOneScaleBox->setToolTip(tr("Off: every map from its own lowest (0) to its highest (1) value, on the one colour "
                                "bar below — the methods' raw values have different units.\nOn: one low/high over "
                                "the raw values of every layer map, so a weak map stays faint (meaningful between "
                                "methods of the same units, such as Grad-CAM, HiResCAM and XGrad-CAM)."));
    connect(mOneScaleBox, &QCheckBox::toggled, this, [this](bool one) {
        setOneScale(one);
        Q_EMIT oneScaleToggled(one);
    });
    top->addWidget(mHeader, 1);
    top->addWidget(mOneScaleBox);
    outer->addLayout(top);
    mStale = new QLabel(this);
    mStale->setWordWrap(true);
    mStale->setAlignment(Qt::AlignHCenter);
    mStale->setStyleSheet(QStringLiteral("color: palette(mid); font-style: italic;"));
    mStale->hide();
    outer->addWidget(mStale);
    // Scrolled: nine methods in three rows must not make the window taller than a 720-pixel screen.
    mScroll = new QScrollArea(this);
    mScroll->setWidgetResizable(true);
    mScroll->setFrameShape(QFrame::NoFrame);
    auto* cells = new QWidget(mScroll);
    mGrid = new QGridLayout(cells);
    mGrid->setContentsMargins(0, 0, 0, 0);
    mGrid->setSpacing(8);
    mScroll->setWidget(cells);
    outer->addWidget(mScroll, 1);
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

void MethodsGridView::setMethods(const QStringList& methodIds)
{
    if (methodIds == mMethods)
        return;
    for (auto& [id, cell] : mCells) {
        mGrid->removeWidget(cell);
        cell->deleteLater();
    }
    mCells.clear();
    mMethods = methodIds;
    for (const QString& id : methodIds) {
        auto* cell = new OverlayCell(methodName(id), mGrid->parentWidget());
        cell->setToolTip(findMethod(id) ? findMethod(id)->description + tr("\nClick to show it in the main view.")
                                        : QString());
        cell->setCursor(Qt::PointingHandCursor);
        connect(cell, &OverlayCell::clicked, this, [this, id] { Q_EMIT methodClicked(id); });
        mCells[id] = cell;
    }
    mColumns = 0;
    relayout();
    refresh();
}

int MethodsGridView::bestColumns(int cells, QSize area)
{
    // The column count that gives each map the largest square: a cell's frame takes kCellMargin pixels across, its
    // title and caption kCellText down, and no cell is narrower than kMinCell (its image's and caption's minimum).
    constexpr int kCellMargin = 24;
    constexpr int kCellText = 80;
    constexpr int kMinCell = 124;
    int best = 1;
    int bestSide = std::numeric_limits<int>::min();
    for (int columns = 1; columns <= std::max(1, cells); ++columns) {
        if (columns > 1 && area.width() / columns < kMinCell)
            break;
        const int rows = (cells + columns - 1) / columns;
        const int side =
            std::min(area.width() / columns - kCellMargin, area.height() / std::max(1, rows) - kCellText);
        if (side >= bestSide) {  // a tie: more columns, so more maps show without scrolling
            bestSide = side;
            best = columns;
        }
    }
    return best;
}

void MethodsGridView::relayout()
{
    const int columns = bestColumns(static_cast<int>(mMethods.size()), mScroll->viewport()->size());
    if (columns == mColumns)
        return;
    mColumns = columns;
    for (auto& [id, cell] : mCells)
        mGrid->removeWidget(cell);
    for (int c = 0; c < mGrid->columnCount(); ++c)
        mGrid->setColumnStretch(c, 0);
    for (int i = 0; i < mMethods.size(); ++i)
        mGrid->addWidget(mCells[mMethods[i]], i / columns, i % columns);
    for (int c = 0; c < columns; ++c)
        mGrid->setColumnStretch(c, 1);
}

void MethodsGridView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    relayout();
}

void MethodsGridView::setResult(ResultPtr result, bool partial)
{
    mResult = std::move(result);
    mPartial = partial;
    refresh();
}

void MethodsGridView::setClass(int classIndex)
{
    mClass = classIndex;
    refresh();
}

void MethodsGridView::setColormap(Colormap map)
{
    mColormap = map;
    refresh();
}

void MethodsGridView::setOpacity(float opacity)
{
    mOpacity = opacity;
    refresh();
}

void MethodsGridView::setOneScale(bool one)
{
    if (one == mOneScale)
        return;
    mOneScale = one;
    const QSignalBlocker blocker(mOneScaleBox);
    mOneScaleBox->setChecked(one);
    refresh();
}

void MethodsGridView::setProgress(double fraction, const QString& stage)
{
    for (const QString& id : mMethods)
        if (!hasMap(id))
            mCells[id]->setProgress(fraction, stage);
}

void MethodsGridView::setStale(const QString& note)
{
    mStale->setText(note);
    mStale->setVisible(!note.isEmpty());
    for (auto& [id, cell] : mCells)
        cell->setDimmed(!note.isEmpty());
}

QImage MethodsGridView::cellImage(const QString& methodId) const
{
    const auto it = mCells.find(methodId);
    return it == mCells.end() || !hasMap(methodId) ? QImage() : it->second->composed();
}

QString MethodsGridView::cellCaption(const QString& methodId) const
{
    const auto it = mCells.find(methodId);
    return it == mCells.end() ? QString() : it->second->caption();
}

bool MethodsGridView::hasMap(const QString& methodId) const
{
    return mResult && mResult->findCam(methodId, shownClass()) != nullptr;
}

int MethodsGridView::shownClass() const
{
    if (mClass >= 0 || !mResult || mResult->prediction.top.empty())
        return mClass;
    return mResult->prediction.top.front().index;
}

void MethodsGridView::refresh()
{
    const int classIndex = shownClass();
    std::vector<const CamResult*> layerMaps;
    if (mResult)
        for (const QString& id : mMethods)
            if (const CamResult* cam = mResult->findCam(id, classIndex); cam && cam->guided.empty())
                layerMaps.push_back(cam);
    const CamScale scale = sharedCamScale(layerMaps);

    QString label;
    if (mResult) {
        for (const ClassScore& score : mResult->prediction.top)
            if (score.index == classIndex)
                label = tr("<b>%1</b> (%2%)")
                            .arg(QString::fromStdString(score.label).toHtmlEscaped())
                            .arg(score.probability * 100.0, 0, 'f', 1);
        if (label.isEmpty() && !mResult->cams.empty())
            for (const CamResult& cam : mResult->cams)
                if (cam.classIndex == classIndex)
                    label = tr("<b>%1</b>").arg(QString::fromStdString(cam.label).toHtmlEscaped());
        mHeader->setText(tr("%1 methods for %2 — click a map to show it large.").arg(mMethods.size()).arg(label));
    }

    mColorBar->setColormap(mColormap);
    mColorBar->setVisible(!layerMaps.empty());
    if (mOneScale) {
        mColorBar->setLabels(TileModel::formatValue(scale.low), TileModel::formatValue(scale.high));
        mColorBar->setCaption(tr("raw values of every layer map"));
    } else {
        mColorBar->setLabels(QStringLiteral("0"), QStringLiteral("1"));
        mColorBar->setCaption(tr("each map from its lowest to its highest value"));
    }

    for (const QString& id : mMethods) {
        OverlayCell* cell = mCells[id];
        const CamResult* cam = mResult ? mResult->findCam(id, classIndex) : nullptr;
        if (!mResult)
            continue;
        if (!cam) {
            cell->show(mResult->input, mPartial ? tr("<small>Being computed…</small>")
                                                : tr("<small>No map for this class in this result.</small>"));
            if (mPartial)
                cell->setProgress(0.0, QString());
            continue;
        }
        QImage composed;
        if (!cam->guided.empty()) {
            composed = guidedImage(*cam);
        } else {
            const std::vector<float> heatmap = mOneScale ? scaledHeatmap(*cam, scale) : cam->heatmap;
            composed = overlayHeatmap(mResult->input, heatmap, cam->heatmapSize, mColormap, mOpacity);
        }
        // Two short lines: the cells are small; the tooltip has the whole sentence.
        const QString layer = QString::fromStdString(cam->layer).toHtmlEscaped();
        QString html = ExplanationView::mapDependsOnClass(id) ? tr("<small><code>%1</code>").arg(layer)
                                                              : tr("<small><code>%1</code> · any class").arg(layer);
        if (const std::optional<double> peak = peakOnScale(*cam, scale); mOneScale && peak)
            html += tr(" · peak %1%").arg(*peak, 0, 'f', 0);
        const Faithfulness& f = cam->faithfulness;
        html += QStringLiteral("<br>") +
                (!f.measured ? (mPartial ? tr("faithfulness: measuring…") : tr("faithfulness not measured"))
                 : f.increase > 0 ? tr("confidence rises on image × map")
                                  : tr("confidence drop %1 (%2 → %3)")
                                        .arg(f.drop, 0, 'f', 3)
                                        .arg(f.confidence, 0, 'f', 2)
                                        .arg(f.maskedConfidence, 0, 'f', 2)) +
                (cam->road.measured ? tr(" · ROAD %1").arg(cam->road.combined, 0, 'f', 3) : QString()) +
                QStringLiteral("</small>");
        cell->show(composed, html);
        const MethodInfo* info = findMethod(id);
        cell->setToolTip((info ? info->description + QStringLiteral("\n") : QString()) +
                         QTextDocumentFragment::fromHtml(ExplanationView::faithfulnessText(*cam, id, mPartial))
                             .toPlainText() +
                         tr("\nClick to show it in the main view."));
    }
}

}  // namespace convlens
