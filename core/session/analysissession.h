#pragma once
// AnalysisSession: what the user is looking at, and the policy that turns it into analyses. The window and the
// command line both sit on it; it has no widgets (QtCore, plus QtGui for thumbnails and reports) and no torch.
//
// It owns: the model registry (loaded off the calling thread), the settings (the one copy the application uses),
// the images opened, the current image (a file or pasted bytes), model, heatmap method, class, layer shown, the
// CAM target and extra layers chosen per model, the compare set and its cells' results, the JobService that runs
// the analyses, the network descriptions already built, and the folder batch (BatchSession, on the same
// JobService, so a click in the main view is served between two chunks of a batch). It writes the report pages
// of what is shown (exportReport) and the shown result's arrays (exportArrays).
//
// Request policy:
// - The main view has one request at a time: a new one supersedes the one queued or running (latest wins), and
//   only the latest one's result or error is announced.
// - Compare mode runs one request per model of the compare set, the same image, the same class; each cell is
//   announced as it finishes (compareCellFinished), independently of the others.
// - Changing the class or the method shows what the shown result already has; a map it lacks is requested.
// - Choosing a layer that the shown result has not summarised adds it to that model's layers and re-runs.
// - The feature maps' shared scale is a redraw: every result holds both scalings of its tiles, so requests (and
//   the cache key) never vary with it.
// - Failures keep what is shown: resultChanged is emitted only for a new result; errors come as analysisFailed
//   (kind and message) or weightsMissing (the model's weights are missing and not explored untrained).
//
// Threads: create, call and destroy on one thread with an event loop (the GUI thread); signals arrive there.
// Nothing blocks except loadRegistryNow() (tests, tools without an event loop) and the destructor, which waits for the running
// analysis to notice its cancel flag.

#include "core/batch/batchfiles.h"
#include "core/common/expected.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/job.h"
#include "core/registry/modelregistry.h"
#include "core/session/appsettings.h"
#include "core/session/reportexport.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QImage>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace convlens {

class BatchBackend;
class BatchSession;
class JobService;
class ResultCache;

struct SessionOptions {
    QString userRegistry;                // --registry FILE; empty = the user's models.yaml when it exists
    bool openSampleOnFirstStart = true;  // the bundled photo, when the settings say this is the first start
};

class AnalysisSession : public QObject {
    Q_OBJECT

public:
    // `backend` runs the analyses and builds network descriptions (core/jobs/analysisrequest.h). `settings` become
    // the session's; the thread count and the download mirror in them are applied at once.
    AnalysisSession(std::shared_ptr<AnalysisBackend> backend, AppSettings settings, SessionOptions options = {},
                    QObject* parent = nullptr);
    ~AnalysisSession() override;

    // ------------------------------------------------------------------------------------------------ registry
    // Loads the bundled and the user's registry on a worker; registryLoaded or registryFailed follows.
    void loadRegistry();
    // The same, blocking (tests, tools without an event loop).
    Expected<void> loadRegistryNow();
    bool isReady() const { return mRegistry != nullptr; }
    const ModelRegistry* registry() const { return mRegistry.get(); }
    const ModelSpec* spec(const QString& modelId) const;
    // The model `modelId`, or an error (kind BadInput) naming it and the known ids.
    Expected<const ModelSpec*> findModel(const QString& modelId) const;
    QString modelName(const QString& modelId) const;  // "ResNet-50"; the id when unknown

    // ------------------------------------------------------------------------------------------------ settings
    const AppSettings& settings() const { return mSettings; }
    // Replaces the settings: saves them, applies threads, device and mirror, re-runs what is shown. A device this
    // machine cannot use is reported (problem()) and inference stays on the CPU; the setting is kept.
    void setSettings(const AppSettings& settings);
    // The devices inference can run on here, "cpu" first (for the Settings dialog).
    QStringList availableDevices() const;
    // For the weights panel, which edits the weights choices in place; call settingsEdited(modelId) after.
    AppSettings* editableSettings() { return &mSettings; }
    // Which file `modelId` needs, where it is downloaded from and every folder it may be put in (the weights
    // resolver's message), while its weights are missing; empty when it has them or is unknown.
    QString missingWeightsMessage(const QString& modelId) const;
    // Saves the settings and re-runs what `modelId`'s weights affect.
    void settingsEdited(const QString& modelId);

    // ------------------------------------------------------------------------------------------------ images
    // Opens image files and folders (a folder: its image files, sorted by name). Problems (no such file, a folder
    // without images) come as problem(); the images found come as imagesOpened, and the first one is analysed.
    // Called before the registry is ready, the paths wait for it.
    void openPaths(const QStringList& paths);
    // What opening `paths` from the window does (a drop, Open, a recent file, the command line): image files open in
    // the main view; a folder among them runs them all as a folder batch, listed as Open Folder last chose
    // (settings().listing()). Returns whether a batch started, or startBatch()'s error.
    Expected<bool> openOrBatch(const QStringList& paths);
    // Open Folder's choices, remembered (saved) for the next time and for folders dropped or given.
    void rememberListing(const QString& folder, const ListOptions& listing);
    void openImage(const QString& path);
    // An image given as encoded bytes (pasted, dropped from another program); `name` stands for it in messages.
    void openImageBytes(const QByteArray& encoded, const QString& name);
    // An image given as pixels (pasted, dropped from another program): analysed as its PNG encoding, the form
    // the session hashes for the cache.
    void openImagePixels(const QImage& image, const QString& name);
    QStringList images() const { return mImages; }
    QString imagePath() const { return mImagePath; }  // empty for pasted bytes
    QString imageName() const;                        // the file name, or the pasted image's name
    bool hasImage() const { return !mImagePath.isEmpty() || !mImageBytes.isEmpty(); }
    // Whether the file's name says it is an image Qt can read (the folder filter of openPaths).
    static bool isImageFile(const QString& path);

    // ------------------------------------------------------------------------------------------------ what is shown
    void setModel(const QString& modelId);
    void setMethod(const QString& methodId);
    // -1: the top class. A class beyond the top-K (any of the model's classes) is explained by a new request that
    // reuses the image's forward pass; it stays chosen for the image across methods and layers.
    void selectClass(int classIndex);
    void selectLayer(const QString& block);
    void setCamTarget(const QString& block);
    // How the feature-map tiles are drawn: each channel on its own range, or all on the layer's. A redraw: every
    // result carries both scalings of its tiles, so nothing is re-run (sharedTileScaleChanged follows).
    void setSharedTileScale(bool shared);
    // Two or more known ids turn compare mode on and analyse the image with each; fewer turn it off.
    void setCompareModels(const QStringList& modelIds);
    void setCompareActive(bool active);  // stays off with fewer than two models
    // The methods grid: the main analysis computes every method of settings().gridMethods (and the current
    // method) for the image, so the window shows them side by side for the chosen class. Turning it on turns
    // compare mode off, and compare mode turns it off. setGridMethods saves the choice and re-runs when on.
    void setMethodsGrid(bool active);
    bool methodsGrid() const { return mMethodsGrid; }
    void setGridMethods(const QStringList& methodIds);
    // The methods the grid shows, in menu order: the grid's methods and the current one. The grid's analysis
    // computes the current method first.
    QStringList gridMethodsShown() const;

    QString model() const { return mModel; }
    QString method() const { return mMethod; }
    int classIndex() const { return mClass; }
    QString layer() const { return mLayer; }
    QString camTarget(const QString& modelId) const;  // the chosen block, else the registry's

    // How long analysing the shown image with `methodId` takes on this machine, in seconds (stage costs ×
    // the forward time of the shown result, core/inspect/stagecosts.h), and the CAM layer's channel count; nullopt
    // until a result of the current model and its network description are there.
    struct Estimate {
        double seconds = 0.0;
        long long camChannels = 0;
    };
    std::optional<Estimate> estimate(const QString& methodId) const;
    bool sharedTileScale() const { return mSharedTileScale; }
    ResultPtr result() const { return mResult; }
    // Whether the shown result came from the result cache (the engine reported its "cached" stage), and how long
    // the user waited for it: from its request to its arrival, in milliseconds (-1 before the first result).
    bool resultFromCache() const { return mResultFromCache; }
    qint64 resultWaitMs() const { return mResultWaitMs; }
    // Whether the shown result is a partial one (the analysis delivers results progressively: the first method's
    // maps, then the other methods', then faithfulness; Analyzer::analyze). resultChanged follows for each, the
    // complete one last. While partial, the maps still coming are not requested again.
    bool resultPartial() const { return mResultPartial; }
    // How long the first (possibly partial) result of the shown analysis took to arrive, in milliseconds.
    qint64 firstResultMs() const { return mFirstResultMs; }
    // Whether the analysis running for the main view will deliver `method`'s map for `classIndex` (-1: the top
    // class): a partial result lacking it is then waited for, not re-requested.
    bool isComing(const QString& method, int classIndex) const;
    QStringList compareModels() const { return mCompareModels; }
    bool compareActive() const { return mCompareActive; }
    // A compare cell's result once it finished (compareCellFinished); null while it runs, when it failed, and for
    // a model outside the compare set. A new compare run forgets the old results.
    ResultPtr compareResult(const QString& modelId) const;

    // Runs the main view's analysis again (and the compare cells in compare mode).
    void refresh();
    void cancelAll();
    bool isBusy() const;  // an analysis or a network description is pending
    JobService* jobs() const { return mJobs; }

    // Writes the shown result's raw numbers as NumPy arrays into `folder` (core/report/resultimages.h's
    // writeResultArrays: every map, each layer's statistics) and each shown layer's whole output
    // (layer_<block>_activations.npy), which comes from an analysis of the same image that keeps it (its forward
    // pass reused, no maps computed; from the cache when asked before). arraysExported or arraysExportFailed
    // follows; a new export replaces one still running. Nothing is written when there is no result.
    void exportArrays(const QString& folder);

    // The file name a report of what is shown is offered under: "<image>-<model>-report.png",
    // "<image>-<model>-methods.pdf", "<image>-compare.png", after `choice`'s page and format.
    QString reportFileName(const ReportExport& choice) const;
    // Writes `choice`'s page of what is shown to `path` (core/report): the card or a full page of the shown result
    // (its method, class and layer; the methods grid's methods on the grid page), or the compare set's cells as
    // they finished, drawn with the window's `look`. Blocking (a page renders in well under a second). An error
    // (kind BadInput) when there is nothing to put on the page; kind Internal naming `path` when it cannot be
    // written.
    Expected<void> exportReport(const QString& path, const ReportExport& choice, const ReportLook& look) const;

    // The request for `modelId` on the current image: the main view's options, or a compare cell's. An error
    // when there is no image, the model is unknown, or its weights are missing (kind Weights).
    Expected<AnalysisRequest> makeRequest(const QString& modelId, bool compare) const;

    // ------------------------------------------------------------------------------------------------ batches
    // The engine side of folder batches (the window's AnalysisEngine, which is also its AnalysisBackend) and the
    // cache their predictions go to. Until it is set, a batch fails at once.
    void setBatchBackend(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache);
    // The folder batch: owned by this session; never null.
    BatchSession* batch() const { return mBatch; }
    // The models a batch started now covers: the compare set in compare mode, else the current model.
    QStringList batchModels() const;
    // Starts a batch of `paths` (files and folders) with `modelIds` (empty: batchModels()), replacing the one
    // running: the weights the main view would use (a model without any fails the batch unless it may run
    // untrained), top-K from the settings, the channel exemplars of the layer shown in the main view (when every
    // model has it). `outDir` empty: a new folder under the cache location, batches/<yyyyMMdd-hhmmss> — or, when
    // the last batch was the same (paths, listing, models) and was cancelled, its folder, so it goes on where it
    // stopped; otherwise what `outDir` holds already is kept (resume). Returns an error, and starts nothing, for an
    // unknown model (BadInput), a model without weights (Weights, the message the main view shows) or no paths
    // (BadInput).
    Expected<void> startBatch(const QStringList& paths, const ListOptions& listing, const QStringList& modelIds = {},
                              const QString& outDir = {});
    // A second run over the last batch's files and models into `folder`, with a report per image × model showing
    // the current method (resumable: what `folder` holds already is kept). BadInput when no batch was started.
    Expected<void> exportBatch(const QString& folder);

    // ------------------------------------------------------------------------------------------------ diagrams
    // Builds `modelId`'s network description on a worker unless it is known or being built; descriptionReady or
    // descriptionFailed follows.
    void requestDescription(const QString& modelId);
    std::shared_ptr<const NetworkDescription> description(const QString& modelId) const;

Q_SIGNALS:
    void registryLoaded();
    void registryFailed(const QString& message);
    void problem(const QString& message);  // a path that could not be opened; nothing else changed
    // Something the user should know that stops nothing (the result cache cannot be written: said once).
    void warning(const QString& message);
    void imagesOpened(const QStringList& images);
    void thumbnailsReady(const QList<QImage>& thumbnails);  // for imagesOpened's list, in its order
    void imageChanged(const QString& name);
    void recentFilesChanged(const QStringList& recent);
    void modelChanged(const QString& modelId);  // the shown result was dropped; a new one is on its way
    void methodChanged(const QString& methodId);
    void classChanged(int classIndex);
    void layerChanged(const QString& block);
    void camTargetChanged(const QString& modelId, const QString& block);
    void sharedTileScaleChanged(bool shared);
    void analysisStarted(quint64 job, const QString& label);
    void resultChanged(convlens::ResultPtr result);
    void analysisFailed(convlens::ErrorKind kind, const QString& message);
    void analysisCancelled();
    void weightsMissing(const QString& modelId, const QString& message);
    void compareActiveChanged(bool active);
    void methodsGridChanged(bool active);
    void compareStarted(const QStringList& modelIds);  // the cells of this set, empty until they finish
    void compareCellStarted(const QString& modelId, quint64 job, const QString& label, bool untrained);
    void compareCellProgress(const QString& modelId, double fraction, const QString& stage);
    // `result` on success; else `error` (a cancelled cell says so).
    void compareCellFinished(const QString& modelId, convlens::ResultPtr result, const QString& error);
    void arraysExported(const QString& folder, const QStringList& files);
    void arraysExportFailed(const QString& message);
    void descriptionReady(const QString& modelId);
    void descriptionFailed(const QString& modelId, const QString& message);

private:
    void onRegistry(Expected<ModelRegistry> loaded);
    void applySettings();
    void requestAnalysis();
    void requestCompare();
    void onJobFinished(JobId id, const JobOutcome& outcome);
    void onJobPartial(JobId id, const ResultPtr& soFar);
    struct ArraysExport;
    void finishArraysExport(const ArraysExport& done, const JobOutcome& outcome);
    // Shows `result` (partial or complete): the class and layer stay when it has them, else the top class and
    // its last layer; resultChanged follows.
    void adoptResult(const ResultPtr& result, bool partial);
    void reportCacheProblem();
    bool isExtraClass() const;  // the chosen class is not among the shown result's top-K
    void onJobProgress(JobId id, double fraction, const QString& stage);
    void loadThumbnails(const QStringList& images);

    static constexpr int kInteractiveScoreCamBatch = 8;
    std::shared_ptr<AnalysisBackend> mBackend;
    std::shared_ptr<ResultCache> mCache;  // the engine's, for its disk problem (setBatchBackend)
    AppSettings mSettings;
    SessionOptions mOptions;
    std::unique_ptr<ModelRegistry> mRegistry;
    JobService* mJobs = nullptr;

    QStringList mPendingPaths;  // opened before the registry was ready
    QStringList mImages;
    int mThumbnailGeneration = 0;
    QString mImagePath;
    QByteArray mImageBytes;
    QString mImageBytesName;

    QString mModel;
    QString mMethod;
    int mClass = -1;
    QString mLayer;  // block whose feature maps are shown; empty = the CAM target
    bool mSharedTileScale = false;
    std::map<QString, QString> mCamTargets;           // model → block chosen in the diagram
    std::map<QString, std::set<QString>> mExtraTaps;  // model → blocks shown that are not registry taps
    ResultPtr mResult;
    QStringList mCompareModels;
    bool mCompareActive = false;

    JobId mMainJob = 0;
    QElapsedTimer mMainClock;  // since the main job was requested
    bool mMainCached = false;  // the main job reported the engine's "cached" stage
    bool mResultFromCache = false;
    qint64 mResultWaitMs = -1;
    bool mResultPartial = false;
    qint64 mFirstResultMs = -1;
    bool mMainHasPartial = false;  // the main job delivered a partial result already
    QStringList mMainMethods;      // the methods the main job computes
    int mMainExtraClass = -1;      // the class beyond the top-K it explains, -1 when none
    bool mMethodsGrid = false;
    std::map<JobId, QString> mCompareJobs;  // job → model
    std::map<QString, ResultPtr> mCompareResults;  // model → its finished cell's result, of the last compare run
    void finishCompareCell(const QString& modelId, ResultPtr result, const QString& error);
    struct ArraysExport {
        QString folder;
        ResultPtr shown;  // the maps written, as shown when the export was asked
    };
    std::map<JobId, ArraysExport> mExportJobs;
    std::map<QString, std::shared_ptr<const NetworkDescription>> mDescriptions;
    std::set<QString> mDescribing;

    BatchSession* mBatch = nullptr;  // child; deleted before the JobService shuts down
};

}  // namespace convlens
