#pragma once
// AppSettings: the user's preferences, kept with QSettings (organisation and application "ConvLens").
// Plain value; load() and save() on the thread that owns the session (the GUI thread). The AnalysisSession holds
// the one copy the application uses; the views read it there and change it through the session.

#include "core/batch/batchfiles.h"
#include "core/inspect/analysisresult.h"
#include "core/jobs/resultcache.h"
#include "core/weights/weightsresolver.h"

#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace convlens {

struct AppSettings {
    int threads = 0;        // intra-op threads for inference; 0 = automatic
    QString device = QStringLiteral("cpu");  // where inference runs: cpu, cuda or cuda:N (core/common/computedevice.h)
    int cacheItems = 100;   // results kept in memory
    bool diskCache = true;  // keep results on disk across restarts
    int topK = 5;
    int tilesPerLayer = 16;  // 0 = all channels
    QString colormap = QStringLiteral("jet");
    QString method = QStringLiteral("gradcam");
    // The methods grid's methods (ids, menu order): every gradient and projection method by default; Score-CAM
    // and the guided ones (slow) when chosen. Unknown ids are dropped on load.
    QStringList gridMethods = {QStringLiteral("gradcam"),  QStringLiteral("gradcampp"), QStringLiteral("xgradcam"),
                               QStringLiteral("layercam"), QStringLiteral("hirescam"),  QStringLiteral("eigencam")};
    // How the methods run: smoothing, Integrated Gradients' steps and baseline, Occlusion's window, ROAD.
    MethodOptions methodOptions;
    QString weightsDir;                   // extra weights folder, searched after the standard ones; empty = none
    QString mirror;                       // download base URL replacing download.pytorch.org; empty = none
    QStringList recentFiles;              // most recent first, at most 10
    QStringList selectedModels;           // model ids chosen in the model picker
    QMap<QString, QString> weightsFiles;  // model id → a checkpoint the user loaded with "Load file…"
    QStringList untrainedAllowed;         // model ids the user chose to explore with untrained weights
    // Open Folder's last choices: the folder, and how folders are listed (also for a folder dropped or given).
    QString batchFolder;
    bool batchRecursive = true;
    QStringList batchSuffixes;  // empty: every type Qt reads

    // How a folder is listed for a batch: the last Open Folder choices.
    ListOptions listing() const;

    static AppSettings load();
    void save() const;
    // Puts `path` first in recentFiles (once, cleaned), keeping at most 10.
    void addRecentFile(const QString& path);
    // What these settings say about `modelId`'s weights, for resolveWeights() (core/weights/weightsresolver.h).
    WeightsChoice weightsChoice(const QString& modelId) const;
    // The result cache these settings ask for: on disk when `persistent` and diskCache, cacheItems results in
    // memory; the CACHE_* environment variables still take precedence (ResultCacheConfig::fromEnvironment).
    ResultCacheConfig cacheConfig(bool persistent) const;
};

}  // namespace convlens

Q_DECLARE_METATYPE(convlens::AppSettings)
