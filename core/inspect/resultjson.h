#pragma once
// ResultJson: the JSON object the command line writes for each image (README, "Command line"), made from the
// Fields<T> descriptions of analysisresult.h: key names, nesting ("stats", "histogram"), projections (channel
// statistics as parallel arrays, the CAM grid as rows) and which fields are left out (pixels) are stated there,
// next to each field; this file only walks them.
//
// Stateless, any thread, cannot fail. Torch-free.

#include "core/inspect/analysisresult.h"

#include <QJsonObject>
#include <QString>

#include <string>

namespace convlens {

// What `predict` writes for one image: "image", "sha256" (lowercase hex of the file's bytes), "model", "weights"
// (the checkpoint path, null when untrained), "predictions" [{index, label, probability}] best first and, with
// `fullLogits`, "logits".
QJsonObject predictionJson(const QString& image, const std::string& sha256, const std::string& modelId,
                           const std::string& weights, const Prediction& prediction, bool fullLogits);

// What `analyze` writes for one image: everything predictionJson writes (taken from `result`) plus "layers",
// "cams", "timings_ms" and "cached".
QJsonObject analysisJson(const QString& image, const AnalysisResult& result, bool cached, bool fullLogits);

// An image that could not be read or analysed: "image", "sha256" (left out when empty: the file was not read)
// and "error".
QJsonObject imageErrorJson(const QString& image, const std::string& sha256, const std::string& message);

}  // namespace convlens
