#pragma once
// The compare page: several models on the same image, explained for the same class by the same CAM method, as
// the window's compare view shows them, on one A4 page (landscape when the grid is larger so). A header (image,
// class, method, date), a legend saying whether the maps share one scale, then one cell per model in order: the
// model's name, its checkpoint file, the overlay (or the guided method's own image) with its colour bar, the
// model's top-3 predictions and the map's faithfulness; or, for a model without a result, its error. The same
// drawing code paints the PNG (QImage) and the PDF (QPdfWriter). Up to a dozen models fit: the grid shrinks, and
// text is elided to its box, never clipped by the page.
//
// Plain QtGui; any thread, but text needs a QGuiApplication (fonts; the offscreen platform will do). The info and
// the results it points to are read, never kept. Failure: writeComparePdf returns an Error (kind Internal) naming
// the file; laying out and rendering cannot fail.

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"
#include "core/inspect/camscale.h"
#include "core/report/colormap.h"

#include <QDateTime>
#include <QImage>
#include <QPageLayout>
#include <QRectF>
#include <QString>

#include <memory>
#include <vector>

class QPainter;

namespace convlens {

struct CompareCellInfo {
    QString modelName;                             // "ResNet-50"
    QString weights;                               // the checkpoint's path; empty: untrained
    std::shared_ptr<const AnalysisResult> result;  // null when the model has none (failed, not run)
    QString error;                                 // shown when there is no result
};

struct ComparePageInfo {
    QString imageName;        // the file as the window names it
    QDateTime date;           // when the comparison was made
    QString method;           // the method id ("gradcam"); the page prints its display name
    int classIndex = -1;      // the class explained; -1: each model's top class
    bool sharedScale = true;  // one heatmap scale over all models' raw grids; else each map on its own
    Colormap colormap = Colormap::Jet;
    float opacity = 0.5f;
    bool fullPaths = false;  // checkpoints by their whole path; default their file names (reportWeightsText)
    std::vector<CompareCellInfo> cells;  // one per model, in the order shown
};

// Where one model's cell goes, in the painter's units. Rectangles are empty when there is nothing to draw there:
// a cell without a result has only title, weights and error; one without a map of the class shows the input and
// has no colour bar; a cell left out because the page is full is empty altogether.
struct CompareCellLayout {
    QRectF cell;         // the whole cell
    QRectF title;        // the model's name
    QRectF weights;      // its checkpoint file, or "untrained"
    QRectF image;        // the overlay, the guided image, or (no map) the input
    QRectF colorBar;     // empty for guided methods and cells without a map
    QRectF predictions;  // top-3, one line each
    QRectF caption;      // faithfulness, or "no map for this class", two lines
    QRectF error;        // the error text; empty when there is a result
};

struct ComparePageLayout {
    QRectF page;
    QRectF content;      // the page less its margins; nothing is drawn outside it
    QRectF header;       // top line, image name, class, method
    QRectF legend;       // the colour bar and what its scale is, or what a guided image shows
    QRectF note;         // how to read a cell's caption (one or two lines)
    QRectF omittedNote;  // "3 models left out …" at the foot when even the smallest grid did not hold them all
    std::vector<CompareCellLayout> cells;  // one per ComparePageInfo::cells, in order
    int columns = 0;
    int rows = 0;
    double imageSide = 0.0;  // the maps' side in pixels
    bool guided = false;     // the method explains at the input: no colour scale
    CamScale scale;          // the shared scale over the maps shown (raw grid values)
};

// The class a model's cell explains: info.classIndex, else the result's top class; -1 when there is none.
int compareClass(const ComparePageInfo& info, const AnalysisResult& result);

// The page's orientation: A4 landscape unless portrait fits more models or larger maps. The PNG and the PDF both
// use it; comparePageRect is that page in pixels at `dpi`, for layoutComparePage.
QPageLayout::Orientation comparePageOrientation(const ComparePageInfo& info);
QRectF comparePageRect(const ComparePageInfo& info, double dpi);

ComparePageLayout layoutComparePage(const ComparePageInfo& info, const QRectF& page, double dpi);

// Draws the page into `page` (device pixels of a device at `dpi`); the device must be white or the caller fills
// it. renderComparePage and writeComparePdf both come here.
void paintComparePage(QPainter& painter, const QRectF& page, double dpi, const ComparePageInfo& info);

// The page at `dpi`, white background, in comparePageOrientation.
QImage renderComparePage(const ComparePageInfo& info, int dpi = 150);

// The same page as a one-page PDF.
Expected<void> writeComparePdf(const QString& fileName, const ComparePageInfo& info);

}  // namespace convlens
