#pragma once
// renderReport: one analysis as a single PNG-ready image: a header (image, model, weights state), the network's
// input, the CAM overlay for the chosen class and method with its colour bar and faithfulness, the top-K
// predictions as bars, and the strongest feature maps of one layer with their statistics.
//
// Plain QtGui (QPainter on a QImage); any thread, but text needs a QGuiApplication (fonts). Returns a null image
// when the result has no input image.

#include "core/inspect/analysisresult.h"
#include "core/report/colormap.h"

#include <QImage>
#include <QString>

namespace convlens {

struct ReportOptions {
    QString method = QStringLiteral("gradcam");  // which CAM to draw; none drawn when the result lacks it
    int classIndex = -1;                         // -1: the top class
    Colormap colormap = Colormap::Jet;
    float opacity = 0.5f;
    QString layer;      // feature maps shown; empty: the last summarised layer
    QString modelName;  // "ResNet-50"; empty: result.modelId
    QString imageName;  // file name shown in the header
    QString banner;     // e.g. "Untrained weights — predictions are meaningless"
    int tiles = 16;
    bool fullPaths = false;  // the checkpoint's whole path in the header; default its file name (reportWeightsText)
};

// What a report's header says of a checkpoint: its file name (where it lies on the author's machine does not
// belong on a report others read), or with `fullPath` the whole path. Empty for no checkpoint (untrained).
QString reportWeightsText(const QString& path, bool fullPath);

QImage renderReport(const AnalysisResult& result, const ReportOptions& options);

}  // namespace convlens
