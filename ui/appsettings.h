#pragma once
// AppSettings: the user's preferences, kept with QSettings (organisation and application "ConvLens").
// Plain value; load() and save() on the GUI thread.

#include "core/registry/modelspec.h"

#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace convlens {

struct AppSettings {
    int threads = 0;        // intra-op threads for inference; 0 = all cores
    int cacheItems = 100;   // results kept in memory
    bool diskCache = true;  // keep results on disk across restarts
    int topK = 5;
    int tilesPerLayer = 16;  // 0 = all channels
    QString colormap = QStringLiteral("jet");
    QString method = QStringLiteral("gradcam");
    QString weightsDir;                   // extra weights folder searched first (CONVLENS_WEIGHTS_DIR); empty = none
    QString mirror;                       // download base URL replacing download.pytorch.org; empty = none
    QStringList recentFiles;              // most recent first, at most 10
    QStringList selectedModels;           // model ids chosen in the model picker
    QMap<QString, QString> weightsFiles;  // model id → a checkpoint the user loaded with "Load file…"
    QStringList untrainedAllowed;         // model ids the user chose to explore with untrained weights

    static AppSettings load();
    void save() const;
    void addRecentFile(const QString& path);
    // Applies the process-wide parts: CONVLENS_WEIGHTS_DIR, the download mirror, the inference thread count.
    void apply() const;
};

// Where a model's weights come from, as the weights panel and the analysis requests see it.
struct WeightsStatus {
    enum class Kind { Found, UserFile, Missing, Untrained };
    Kind kind = Kind::Missing;
    QString path;     // the checkpoint to load (Found, UserFile); empty otherwise
    QString message;  // for Missing: which file, from where, and what to do
};

// The user's "Load file…" choice, else the spec's local path, else the WeightStore; Untrained when missing but
// the user allowed it.
WeightsStatus resolveWeights(const ModelSpec& spec, const AppSettings& settings);

}  // namespace convlens

Q_DECLARE_METATYPE(convlens::AppSettings)
