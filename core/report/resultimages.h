#pragma once
// The images of one analysis as files: the network's input crop, one overlay per heatmap (and a guided method's
// own image), one contact sheet of the strongest channels per layer. What `convlens-cli analyze --out` writes;
// folder batches and reports reuse the pieces.
//
// Plain QtGui; any thread. Failure: an Error (kind Internal) naming the folder or the file that could not be
// written; what could be written stays.

#include "core/common/expected.h"
#include "core/inspect/analysisresult.h"
#include "core/report/colormap.h"

#include <QImage>
#include <QString>

#include <string>

namespace convlens {

// A block or method name as a file-name part: letters, digits, '-' and '_' kept, anything else '_'.
QString fileNamePart(const std::string& name);

// All tiles of `layer`, strongest channel first, row by row in a square-ish grid of 64-pixel cells; null when the
// layer has no tiles.
QImage layerContactSheet(const LayerResult& layer);

// Writes `folder`/input.png, cam_<method>_<class>.png (the heatmap over the crop in `colormap`),
// guided_<method>_<class>.png (input-space methods) and layer_<block>.png, creating `folder`.
Expected<void> writeResultImages(const QString& folder, const AnalysisResult& result, Colormap colormap);

// The raw numbers of one analysis as NumPy arrays (.npy, float32; core/report/npy.h) in `folder`, created:
// cam_<method>_<class>.npy (the map at its layer's resolution, after ReLU, as the JSON's "grid"),
// heatmap_<method>_<class>.npy (normalised to [0,1] at the input's size), guided_<method>_<class>.npy (an
// input-space method's gradient image, 3×S×S), and per layer layer_<block>_channel_mean.npy,
// layer_<block>_channel_max.npy and layer_<block>_histogram.npy, and layer_<block>_activations.npy (the whole
// output, C×H×W) when the result kept it (AnalysisOptions::keepActivations). Returns the file names written, in
// that order.
Expected<QStringList> writeResultArrays(const QString& folder, const AnalysisResult& result);

}  // namespace convlens
