#pragma once
// BatchRunner: a folder batch, the one implementation behind the window's batch view and `convlens-cli batch`.
//
// prepare() lists the files (core/batch/batchfiles.h), keeps the shard's share, reads what a resumed output
// folder already holds and writes batch.json. Each step() then processes the next chunk of images through every
// model: the chunk's files are read, decoded and preprocessed (ahead, by a thread in the idle scheduling class, on
// cores the inference leaves idle; what it has not started by then, by the calling thread and the stream threads),
// then its batched forward passes run (BatchBackend::classify, batchSize images at a time; one pass per stream,
// side by side on threads of their own or one after another on all the inference threads, whichever a model's
// first chunks showed faster) or, for reports, the full analysis per image; results are looked up in and stored
// to the ResultCache; every record is appended to records.jsonl at once; reports are rendered and written on
// another thread. finish() waits for the reports and
// writes summary.csv, summary.json, the summary page, the contact sheet and the channel exemplars.
//
// Memory stays bounded: the runner keeps the records' keys and what the summaries need, never the results; the
// look-ahead holds at most 2 × streams × batchSize decoded images, the report queue a few results.
//
// Threads: create anywhere; then call prepare, step and finish from one thread at a time (the CLI's main thread,
// or the window's inference worker through BatchSession). Accessors are safe between calls.
// Failure: prepare fails when the output folder cannot be written or nothing is left to list (BadInput: every
// path missing). A step never fails for one image: an unreadable file or a failed analysis becomes a Failed record
// naming the file. A step fails only on a model that cannot be loaded (kind Weights; the batch stops) or on
// cancellation (Cancelled: the chunk's records made before it are kept and written; --resume redoes the rest).

#include "core/batch/batchbackend.h"
#include "core/batch/batchfiles.h"
#include "core/batch/batchrecord.h"
#include "core/batch/channelexemplars.h"
#include "core/inspect/analysisresult.h"
#include "core/common/expected.h"
#include "core/jobs/resultcache.h"
#include "core/registry/modelspec.h"
#include "core/report/colormap.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace convlens {

struct BatchModel {
    ModelSpec spec;
    QString weightsPath;  // empty: untrained (the caller allowed it explicitly); reports then carry a banner
};

struct BatchOptions {
    int topK = 5;
    int batchSize = 0;                 // images per forward pass; 0: the model's measured default (registry)
    bool reports = false;              // a report page (PNG + PDF) per image × model
    bool faithfulness = true;          // the reports' maps with their faithfulness (AnalysisOptions::faithfulness)
    bool reportFullPaths = false;      // the checkpoints' whole paths on the pages (default: their file names)
    MethodOptions methodOptions;       // how the reports' methods run (AnalysisOptions::methodOptions)
    std::vector<std::string> methods;  // heatmap methods in the reports (method catalogue ids); empty: gradcam
    std::vector<std::string> layers;   // layers whose strongest channels the reports show; empty: the model's
                                       // CAM target
    std::string exemplarLayer;         // block or stage whose channel exemplars are kept; empty: none; a model
                                       // without such a block keeps none
    std::map<std::string, std::string> exemplarLayers;  // per model id, instead of exemplarLayer
    int exemplarsPerChannel = 9;
    int decodeThreads = 0;             // decoding/preprocessing threads; 0: the cores left beside inference (≥ 1)
    int streams = 0;                   // forward passes side by side, each on its own thread with a share of the
                                       // inference threads; 0: one per inference thread, or one after another on
                                       // all of them, whichever a model's first chunks show faster; 1: the latter
    Colormap colormap = Colormap::Jet;
    int contactSheetLimit = 480;       // images on the contact sheets (the first by file name)

    // The block whose exemplars `spec` keeps (exemplarLayers, else exemplarLayer, resolved); "" for none.
    std::string exemplarBlock(const ModelSpec& spec) const;
};

struct BatchPlan {
    QStringList inputs;  // files and folders
    ListOptions listing;
    std::vector<BatchModel> models;
    BatchOptions options;
    Shard shard;
    QString outDir;      // created when missing
    bool resume = false; // keep the records already in outDir (ok ones, and failures of unreadable files)
};

// What a finished (or stopped) batch did.
struct BatchOutcome {
    int images = 0;    // files of the shard
    int processed = 0; // images with a record for every model, this run and resumed ones
    int resumed = 0;   // of those, done by an earlier run
    int failed = 0;    // images with at least one Failed record
    bool complete = false;  // every image processed
    QStringList written;    // files written by finish(), relative to outDir
};

class BatchRunner {
public:
    using Progress = std::function<void(int done, int total)>;

    BatchRunner(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache, BatchPlan plan);
    ~BatchRunner();  // waits for the decoders and the report writer
    BatchRunner(const BatchRunner&) = delete;
    BatchRunner& operator=(const BatchRunner&) = delete;

    Expected<void> prepare();

    const BatchPlan& plan() const { return mPlan; }
    const std::vector<BatchFile>& files() const;  // the shard's files, by name
    QStringList listingProblems() const;          // paths that could not be listed
    std::vector<BatchRecord> resumedRecords() const;
    int total() const;      // images of the shard
    int processed() const;  // images done (resumed included)
    bool finished() const;  // no image left

    // Processes the next chunk (batchSize images) through every model; returns its records, thumbnails included,
    // in file order then model order. Empty when nothing was left. `cancel` is polled between forward passes and
    // between images.
    Expected<std::vector<BatchRecord>> step(const std::atomic<bool>* cancel = nullptr);

    // Waits for the reports in flight, then writes the summaries from records.jsonl (all of them: resumed, this
    // run's, and from a shard's point of view only its own). Call once, after the last step or after a cancel.
    Expected<BatchOutcome> finish();

    // The exemplars kept so far for `modelId` (empty without an exemplar layer).
    ChannelExemplars exemplars(const std::string& modelId) const;

    // The batch size used for `spec` when the options leave it to the model.
    static int defaultBatchSize(const ModelSpec& spec);

private:
    // Queues the report of `result` on the report writer (waits while too many are queued).
    void scheduleReport(std::shared_ptr<const AnalysisResult> result, const BatchRecord& record, int modelIndex);

    struct State;
    BatchPlan mPlan;
    std::unique_ptr<State> mState;
};

// Writes the summaries of an output folder from its records.jsonl: summary.csv, summary.json (with `batch` as
// its "batch" object), summary.png/.pdf, contact sheets, exemplars. What finish() and `merge` both do.
Expected<QStringList> writeBatchSummaries(const QString& outDir, const QJsonObject& batch,
                                          const std::vector<ModelSpec>& models, const BatchOptions& options,
                                          const std::vector<ChannelExemplars>& exemplars);

// `convlens-cli merge`: joins the records of `folders` (the shards of one batch) into `outDir`, copies their
// reports and joins their channel exemplars, then writes the summaries (writeBatchSummaries) with `models`
// naming the models. A key found in two folders (overlapping shards) keeps the later folder's record and is
// counted in `overlaps`. Fails (BadInput) when a folder has no records.jsonl, or when outDir already holds
// records (merge into a new folder).
struct MergeOutcome {
    int records = 0;
    int overlaps = 0;
    QStringList problems;  // lines of records.jsonl that were not records
    QStringList written;
};
Expected<MergeOutcome> mergeBatchFolders(const QStringList& folders, const QString& outDir,
                                         const std::vector<ModelSpec>& models);

}  // namespace convlens
