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
#include <QImage>
#include <QString>

#include <string>
#include <vector>

namespace convlens {

struct ReportPageInfo {
    QString imageName;  // the file as the batch names it ("val/n01440764/ILSVRC2012_val_00000293.JPEG")
    QString modelName;  // "ResNet-50"
    QString weights;    // the checkpoint's path; empty: untrained (the page then carries the untrained banner)
    QDateTime date;     // when the analysis ran
    std::vector<std::string> methods;  // methods shown, in this order; empty: every method in the result
    std::vector<std::string> layers;   // layers whose channels are shown; empty: every layer in the result
    int tilesPerLayer = 8;
    Colormap colormap = Colormap::Jet;
    float opacity = 0.5f;
    int truth = -1;          // the true class when known: marked in the bar chart
    std::string truthLabel;
};

// The page at `dpi` (A4 portrait: 8.27 × 11.69 in), white background.
QImage renderReportPage(const AnalysisResult& result, const ReportPageInfo& info, int dpi = 150);

// The same page as a one-page PDF.
Expected<void> writeReportPdf(const QString& fileName, const AnalysisResult& result, const ReportPageInfo& info);

// `baseName`.png and `baseName`.pdf, creating the folder.
Expected<void> writeReportFiles(const QString& baseName, const AnalysisResult& result, const ReportPageInfo& info);

// A small cell for contact sheets: the network's input with the top-1 class's first heatmap over it (when the
// result has one), `size` pixels square.
QImage reportCellImage(const AnalysisResult& result, const ReportPageInfo& info, int size = 160);

}  // namespace convlens
