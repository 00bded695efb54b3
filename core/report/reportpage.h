#pragma once
// The per-image report: one page laid out with QPainter at print resolution — a header (file, model, weights
// file, date, and the untrained banner when so), the network's input, the top-K as a labelled bar chart, each
// chosen method's overlay per top class with its colour bar and faithfulness, and the chosen layers' strongest
// channels with their statistics. The same drawing code paints the PNG (QImage) and the PDF (QPdfWriter), so
// both show the same page. Text is elided or wrapped to its box, never clipped by the page, whatever the labels.
//
// Plain QtGui; any thread, but text needs a QGuiApplication (fonts; the offscreen platform will do).
// Failure: the file writers return an Error (kind Internal) naming the file; rendering itself cannot fail (a
// result without an input image still gets its header and predictions).

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"
#include "core/report/colormap.h"

#include <QDateTime>
#include <QFont>
#include <QImage>
#include <QRectF>
#include <QString>

class QPainter;

#include <string>
#include <vector>

namespace convlens {

struct ReportPageInfo {
    QString imageName;       // the file as the batch names it ("val/n01440764/ILSVRC2012_val_00000293.JPEG")
    QString modelName;       // "ResNet-50"
    QString weights;         // the checkpoint's path; empty: untrained (the page then carries the untrained banner)
    bool fullPaths = false;  // the whole path on the page; default its file name (reportWeightsText)
    QDateTime date;          // when the analysis ran
    std::vector<std::string> methods;  // methods shown, in this order; empty: every method in the result
    std::vector<std::string> layers;   // layers whose channels are shown; empty: every layer in the result
    int tilesPerLayer = 8;
    Colormap colormap = Colormap::Jet;
    float opacity = 0.5f;
    int truth = -1;  // the true class when known: marked in the bar chart
    std::string truthLabel;
    // Sections drawn below the header and the input (which are always drawn). A section left out takes no room:
    // its rectangles in ReportLayout are empty and the maps and tiles grow into the space.
    bool predictions = true;  // the top-K bar chart
    bool maps = true;         // the grid of class activation maps
    bool featureMaps = true;  // the chosen layers' strongest channels
};

// The page at `dpi` (A4 portrait: 8.27 × 11.69 in), white background.
QImage renderReportPage(const AnalysisResult& result, const ReportPageInfo& info, int dpi = 150);

// The same page as a one-page PDF.
Expected<void> writeReportPdf(const QString& fileName, const AnalysisResult& result, const ReportPageInfo& info);

// `baseName`.png and `baseName`.pdf, creating the folder.
Expected<void> writeReportFiles(const QString& baseName, const AnalysisResult& result, const ReportPageInfo& info);

// Where everything goes on the page, in the painter's units (device pixels at `dpi`): what renderReportPage
// draws and what tests look at. Image rectangles are empty when there is nothing to draw there.
struct ReportPredictionRow {
    int classIndex = 0;
    bool truth = false;  // the true class (info.truth)
    QRectF label;        // class name, elided to the box
    QRectF bar;          // the bar's track (full width = 100 %)
    QRectF value;        // the percentage
};

struct ReportCamCell {
    std::string method;
    int classIndex = 0;
    QRectF image;     // the overlay (layer methods) or the method's own image (guided methods)
    QRectF colorBar;  // empty for guided methods, whose colours are gradients, not a scale
    QRectF caption;   // faithfulness, two lines
};

struct ReportTileCell {
    int channel = 0;
    QRectF image;
    QRectF caption;  // channel index and mean, two lines
};

struct ReportLayerBlock {
    std::string layer;
    QRectF title;  // name, shape, sparsity, dead channels
    std::vector<ReportTileCell> tiles;
};

struct ReportLayout {
    QRectF page;
    QRectF content;  // the page less its margins; nothing is drawn outside it
    QRectF header;   // top line, file name, model, weights (banner below it)
    QRectF banner;   // the untrained banner; empty when there are weights
    QRectF input;    // empty without an input image
    QRectF inputCaption;
    QRectF chartTitle;  // empty, like the rows and the note, when info.predictions is off
    std::vector<ReportPredictionRow> predictions;
    QRectF chartNote;  // true class / rows left out; empty when there is nothing to say
    QRectF camTitle;   // empty without maps, or with info.maps off
    QRectF camNote;
    QRectF camLegend;                      // the colour bar "low … high" beside the section title
    std::vector<int> camClasses;           // the grid's columns
    std::vector<QRectF> camColumnHeaders;  // class label and probability, one per column
    std::vector<std::string> camMethods;   // the grid's rows
    std::vector<QRectF> camRowTitles;      // method name and layer, one per row
    std::vector<ReportCamCell> cams;
    QRectF layersTitle;  // empty without tiles, or with info.featureMaps off
    std::vector<ReportLayerBlock> layers;
    QRectF omittedNote;  // "2 layers left out …" when even the smallest grid did not fit; else empty
    QString omitted;
    double scale = 1.0;  // how far the map grid and tiles were shrunk to fit (1: full size)
};

ReportLayout layoutReportPage(const AnalysisResult& result, const ReportPageInfo& info, const QRectF& page, double dpi);

// Draws the page into `page` (device pixels of a device at `dpi`). The painter's device must be white or the
// caller fills it; renderReportPage and writeReportPdf both come here.
void paintReportPage(QPainter& painter, const QRectF& page, double dpi, const AnalysisResult& result,
                     const ReportPageInfo& info);

// The page's typography and units, shared by every printed page (report, contact sheets, summary): a font of
// `points` at `dpi` (sized in pixels so layout and painting measure alike on a QImage and a QPdfWriter), and
// millimetres in device pixels.
QFont pageFont(double points, double dpi, bool bold = false);
inline double pageMm(double mm, double dpi)
{
    return mm * dpi / 25.4;
}

// The image shown for `cam`: its guided image for input-space methods, else its heatmap over the input (scaled to
// the heatmap's size when they differ), else the heatmap alone when there is no input.
QImage camDisplayImage(const AnalysisResult& result, const CamResult& cam, Colormap colormap, float opacity);

// `heatmap` (size² values in [0,1]) over `input`, the input scaled to size² when it differs; the heatmap alone
// when there is no input. What camDisplayImage draws for layer methods, with a heatmap of the caller's scale.
QImage heatmapOverInput(const QImage& input, const std::vector<float>& heatmap, int size, Colormap colormap,
                        float opacity);

// A small cell for contact sheets: the network's input with the top-1 class's first heatmap over it (when the
// result has one), `size` pixels square.
QImage reportCellImage(const AnalysisResult& result, const ReportPageInfo& info, int size = 160);

}  // namespace convlens
