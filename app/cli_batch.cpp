// convlens-cli batch and merge (in convlens-cli-engine): folder batches over core/batch's BatchRunner, the same
// runner the window's batch view drives.
#include "app/cli.h"

#include "app/cliio.h"
#include "core/batch/batchrunner.h"
#include "core/common/threads.h"
#include "core/inspect/methodcatalogue.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/resultcache.h"
#include "core/weights/weightsresolver.h"

#include <QDir>
#include <QElapsedTimer>

#include <csignal>
#include <cstdio>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <set>

namespace convlens::cli {
namespace {

// Exit statuses of `batch` (README, "Folder batches").
constexpr int kExitSomeFailed = 3;
constexpr int kExitInterrupted = 130;

std::atomic<bool> gStop{false};

extern "C" void onStopSignal(int)
{
    gStop.store(true);
}

// SIGINT and SIGTERM finish the image in flight; a second one ends the process at once (SA_RESETHAND).
void catchStopSignals()
{
    struct sigaction action = {};
    action.sa_handler = onStopSignal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

QString duration(double seconds)
{
    const int s = int(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// A progress bar redrawn in place on a terminal; plain lines (every 10 % or 30 s) otherwise.
class ProgressPrinter {
public:
    ProgressPrinter(int total, int done) : mTotal(total), mStartDone(done), mTerminal(::isatty(STDERR_FILENO) == 1)
    {
        mClock.start();
    }

    void update(int done)
    {
        const double seconds = double(mClock.elapsed()) / 1000.0;
        const int fresh = done - mStartDone;
        const double rate = seconds > 0.0 && fresh > 0 ? fresh / seconds : 0.0;
        const QString eta = rate > 0.0 ? duration((mTotal - done) / rate) : QStringLiteral("?");
        const QString numbers = QStringLiteral("%1/%2 images  %3 images/s  ETA %4")
                                    .arg(done)
                                    .arg(mTotal)
                                    .arg(rate, 0, 'f', 1)
                                    .arg(eta);
        if (mTerminal) {
            constexpr int width = 30;
            const int filled = mTotal > 0 ? int(double(width) * done / mTotal) : width;
            err() << '\r' << '[' << QString(filled, QLatin1Char('=')) << QString(width - filled, QLatin1Char(' '))
                  << "] " << numbers << "   " << Qt::flush;
            return;
        }
        const int tenth = mTotal > 0 ? 10 * done / mTotal : 10;
        if (tenth > mLastTenth || seconds - mLastLine >= 30.0 || done == mTotal) {
            mLastTenth = tenth;
            mLastLine = seconds;
            err() << "convlens-cli batch: " << numbers << Qt::endl;
        }
    }

    void end()
    {
        if (mTerminal)
            err() << Qt::endl;
    }

    double seconds() const { return double(mClock.elapsed()) / 1000.0; }

private:
    int mTotal;
    int mStartDone;
    bool mTerminal;
    QElapsedTimer mClock;
    int mLastTenth = -1;
    double mLastLine = 0.0;
};

int commandBatch(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Classify (and with --report, explain) every image of folders and files with one or more models.\n"
        "Writes DIR/records.jsonl as it goes, then summary.csv, summary.json, summary.png/.pdf and contact sheets.\n"
        "Exit status: 0 every image processed, 3 some images failed (see their rows), 130 interrupted (finish\n"
        "with --resume), 1 the batch could not run, 2 usage error."));
    addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("Image folders and files."),
                                 QStringLiteral("DIR|FILE..."));
    parser.addOption({QStringLiteral("model"), QStringLiteral("Model ids, comma-separated (see 'convlens-cli models')."),
                      QStringLiteral("ID[,ID...]")});
    parser.addOption({QStringLiteral("out"), QStringLiteral("Output folder (created when missing)."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("recursive"), QStringLiteral("Include the images of sub-folders.")});
    parser.addOption({QStringLiteral("types"),
                      QStringLiteral("Image types taken from folders, comma-separated suffixes (default: every "
                                     "type Qt reads, e.g. jpg,png)."),
                      QStringLiteral("LIST")});
    parser.addOption({QStringLiteral("report"), QStringLiteral("Write a report page (PNG and PDF) per image and model.")});
    parser.addOption({QStringLiteral("methods"),
                      QStringLiteral("Heatmap methods of the reports, comma-separated: %1 (default gradcam).")
                          .arg(q(methodIdList())),
                      QStringLiteral("LIST"), QStringLiteral("gradcam")});
    parser.addOption({QStringLiteral("layers"),
                      QStringLiteral("Layers whose strongest channels the reports show, comma-separated (default: "
                                     "the model's CAM target)."),
                      QStringLiteral("LIST")});
    parser.addOption({QStringLiteral("exemplars"),
                      QStringLiteral("Keep each channel's most exciting images of this block or stage (dataset "
                                     "examples): exemplars-<model>.json and .png."),
                      QStringLiteral("LAYER")});
    parser.addOption({QStringLiteral("top-k"), QStringLiteral("Classes kept per image (default 5)."),
                      QStringLiteral("K"), QStringLiteral("5")});
    parser.addOption({QStringLiteral("batch-size"),
                      QStringLiteral("Images per forward pass (default: each model's measured best)."),
                      QStringLiteral("B"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("streams"),
                      QStringLiteral("Forward passes side by side, each on its own thread with a share of the "
                                     "inference threads (default: one per thread or one after another on all "
                                     "threads, whichever the first images show faster; 1: one after another)."),
                      QStringLiteral("S"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("report-full-paths"),
                      QStringLiteral("Show each checkpoint's whole path on the report pages (default: its file name).")});
    parser.addOption({QStringLiteral("resume"),
                      QStringLiteral("Keep the results already in DIR and process only the rest.")});
    parser.addOption({QStringLiteral("shard"),
                      QStringLiteral("Process share I of N (from 0): N runs with 0/N .. N-1/N cover the input "
                                     "exactly once; join them with 'convlens-cli merge'."),
                      QStringLiteral("I/N")});
    addThreadsOption(parser);
    addDeviceOption(parser);
    parser.addOption({QStringLiteral("untrained"),
                      QStringLiteral("Run models whose weights are missing untrained (predictions are meaningless).")});
    parser.addOption({QStringLiteral("no-cache"), QStringLiteral("Neither use nor fill the result cache.")});
    parser.addOption({QStringLiteral("no-faithfulness"),
                      QStringLiteral("The reports' maps without their faithfulness (one masked forward pass per "
                                     "map fewer).")});
    addMethodOptions(parser);
    parser.addOption({QStringLiteral("colormap"),
                      QStringLiteral("Colormap of the report overlays: jet, turbo, viridis, inferno (default jet)."),
                      QStringLiteral("NAME"), QStringLiteral("jet")});
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString command = QStringLiteral("batch");
    const QStringList inputs = parser.positionalArguments();
    if (inputs.isEmpty() || !parser.isSet(QStringLiteral("model")) || !parser.isSet(QStringLiteral("out"))) {
        err() << "convlens-cli batch: needs at least one DIR or FILE, --model ID and --out DIR\n\n"
              << helpText(parser, command);
        return 2;
    }
    BatchPlan plan;
    plan.inputs = inputs;
    plan.outDir = parser.value(QStringLiteral("out"));
    plan.resume = parser.isSet(QStringLiteral("resume"));
    plan.listing.recursive = parser.isSet(QStringLiteral("recursive"));
    for (const QString& type : parser.value(QStringLiteral("types")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        plan.listing.suffixes << type.trimmed().toLower().remove(QLatin1Char('.'));
    if (parser.isSet(QStringLiteral("shard"))) {
        auto shard = parseShard(parser.value(QStringLiteral("shard")));
        if (!shard) {
            err() << "convlens-cli batch: " << q(shard.message()) << Qt::endl;
            return 2;
        }
        plan.shard = *shard;
    }
    const auto topK = positiveOption(parser, command, QStringLiteral("top-k"), false);
    const auto batchSize = positiveOption(parser, command, QStringLiteral("batch-size"), true);
    const auto threads = positiveOption(parser, command, QStringLiteral("threads"), true);
    const auto streams = positiveOption(parser, command, QStringLiteral("streams"), true);
    if (!topK || !batchSize || !threads || !streams)
        return 2;
    plan.options.topK = *topK;
    plan.options.batchSize = *batchSize;
    plan.options.streams = *streams;
    plan.options.reports = parser.isSet(QStringLiteral("report"));
    plan.options.reportFullPaths = parser.isSet(QStringLiteral("report-full-paths"));
    plan.options.faithfulness = !parser.isSet(QStringLiteral("no-faithfulness"));
    const auto methodSettings = methodOptions(parser, command);
    if (!methodSettings)
        return 2;
    plan.options.methodOptions = *methodSettings;
    const auto methods = methodList(parser.value(QStringLiteral("methods")), command);
    if (!methods)
        return 2;
    plan.options.methods = *methods;
    for (const QString& layer : parser.value(QStringLiteral("layers")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        plan.options.layers.push_back(layer.trimmed().toStdString());
    plan.options.exemplarLayer = parser.value(QStringLiteral("exemplars")).trimmed().toStdString();
    const auto colormap = colormapFromName(parser.value(QStringLiteral("colormap")));
    if (!colormap) {
        err() << "convlens-cli batch: unknown colormap '" << parser.value(QStringLiteral("colormap"))
              << "' (jet, turbo, viridis, inferno)" << Qt::endl;
        return 2;
    }
    plan.options.colormap = *colormap;
    setInferenceThreads(*threads);
    if (!applyDeviceOption(parser, command))
        return 2;

    const auto registry = loadRegistry(parser);
    if (!registry)
        return 2;
    std::set<std::string> seen;
    int exemplarModels = 0;
    for (const QString& id : parser.value(QStringLiteral("model")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        auto spec = registry->require(id.trimmed().toStdString());
        if (!spec) {
            err() << "convlens-cli batch: " << q(spec.message()) << Qt::endl;
            return 2;
        }
        if (!seen.insert((*spec)->id).second)
            continue;
        // Layer names are checked before any image is read.
        for (const std::string& layer : plan.options.layers)
            if ((*spec)->resolveBlock(layer).empty()) {
                err() << "convlens-cli batch: --layers: '" << q(layer) << "' is not a block or stage of "
                      << q((*spec)->id) << Qt::endl;
                return 2;
            }
        if (!plan.options.exemplarLayer.empty() && (*spec)->resolveBlock(plan.options.exemplarLayer).empty())
            err() << "convlens-cli batch: --exemplars: '" << q(plan.options.exemplarLayer)
                  << "' is not a block or stage of " << q((*spec)->id) << "; no exemplars for it" << Qt::endl;
        else if (!plan.options.exemplarLayer.empty())
            exemplarModels++;
        const WeightsStatus weights = resolveWeights(**spec, {{}, {}, parser.isSet(QStringLiteral("untrained"))});
        if (weights.kind == WeightsStatus::Kind::Missing) {
            err() << "convlens-cli: " << weights.message << Qt::endl;
            return 1;
        }
        if (weights.kind == WeightsStatus::Kind::Untrained)
            err() << "convlens-cli: warning: " << q((*spec)->id)
                  << " runs with untrained weights; predictions are meaningless" << Qt::endl;
        plan.models.push_back({**spec, weights.path});
    }

    if (!plan.options.exemplarLayer.empty() && exemplarModels == 0) {
        err() << "convlens-cli batch: --exemplars: '" << q(plan.options.exemplarLayer)
              << "' is a block or stage of none of the models" << Qt::endl;
        return 2;
    }

    std::shared_ptr<ResultCache> cache;
    if (!parser.isSet(QStringLiteral("no-cache")))
        cache = std::make_shared<ResultCache>(ResultCacheConfig::fromEnvironment(true));
    auto engine = std::make_shared<const AnalysisEngine>(cache);
    BatchRunner runner(engine, cache, plan);
    catchStopSignals();
    if (auto prepared = runner.prepare(); !prepared) {
        err() << "convlens-cli batch: " << q(prepared.message()) << Qt::endl;
        return 1;
    }
    for (const QString& problem : runner.listingProblems())
        err() << "convlens-cli batch: " << problem << Qt::endl;
    if (runner.processed() > 0)
        err() << "convlens-cli batch: " << runner.processed() << " of " << runner.total()
              << " images already done in " << QDir::toNativeSeparators(plan.outDir) << "; resuming" << Qt::endl;

    ProgressPrinter progress(runner.total(), runner.processed());
    bool interrupted = false;
    std::optional<Error> stopped;
    while (!runner.finished()) {
        auto step = runner.step(&gStop);
        if (std::optional<QString> problem = cache ? cache->takeDiskProblem() : std::nullopt) {
            progress.end();
            err() << "convlens-cli batch: warning: " << *problem << Qt::endl;
        }
        if (step)
            for (const BatchRecord& record : *step)
                if (record.status == BatchStatus::Failed) {
                    progress.end();
                    err() << "convlens-cli: " << q(record.error) << Qt::endl;
                }
        progress.update(runner.processed());
        if (!step) {
            if (step.kind() == ErrorKind::Cancelled)
                interrupted = true;
            else
                stopped = step.error();
            break;
        }
        if (gStop.load()) {
            interrupted = true;
            break;
        }
    }
    progress.end();
    auto outcome = runner.finish();
    if (!outcome) {
        err() << "convlens-cli batch: " << q(outcome.message()) << Qt::endl;
        return 1;
    }
    const double seconds = progress.seconds();
    const int fresh = outcome->processed - outcome->resumed;
    out() << "Processed " << outcome->processed << " of " << outcome->images << " images";
    if (outcome->resumed > 0)
        out() << " (" << outcome->resumed << " from an earlier run)";
    out() << QStringLiteral(" in %1 s (%2 images/s)").arg(seconds, 0, 'f', 1).arg(seconds > 0 ? fresh / seconds : 0.0, 0, 'f', 1)
          << "; " << outcome->failed << " failed\n"
          << "Summary: " << QDir::toNativeSeparators(QDir(plan.outDir).filePath(QStringLiteral("summary.csv")))
          << Qt::endl;
    if (stopped) {
        err() << "convlens-cli batch: " << q(stopped->message) << Qt::endl;
        return 1;
    }
    if (interrupted) {
        err() << "convlens-cli batch: interrupted; what was done is written. Run the same command with --resume "
                 "to complete it."
              << Qt::endl;
        return kExitInterrupted;
    }
    return outcome->failed > 0 ? kExitSomeFailed : 0;
}

int commandMerge(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Join the output folders of a sharded batch (--shard I/N runs) into one: records, reports, summaries."));
    addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("DIR"), QStringLiteral("Batch output folders."), QStringLiteral("DIR..."));
    parser.addOption({QStringLiteral("out"), QStringLiteral("The merged folder (new or empty)."), QStringLiteral("DIR")});
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QStringList folders = parser.positionalArguments();
    if (folders.isEmpty() || !parser.isSet(QStringLiteral("out"))) {
        err() << "convlens-cli merge: needs at least one DIR and --out DIR\n\n"
              << helpText(parser, QStringLiteral("merge"));
        return 2;
    }
    const auto registry = loadRegistry(parser);
    if (!registry)
        return 2;
    // The models named by the folders' records; an id this registry does not know is shown as its id.
    std::vector<ModelSpec> models;
    std::set<std::string> ids;
    for (const QString& folder : folders) {
        auto read = readRecords(folder);
        if (read)
            for (const BatchRecord& record : read->records)
                ids.insert(record.modelId);
    }
    for (const std::string& id : ids) {
        if (const ModelSpec* spec = registry->find(id)) {
            models.push_back(*spec);
        } else {
            ModelSpec unknown;
            unknown.id = id;
            unknown.displayName = id;
            models.push_back(unknown);
        }
    }
    auto merged = mergeBatchFolders(folders, parser.value(QStringLiteral("out")), models);
    if (!merged) {
        err() << "convlens-cli merge: " << q(merged.message()) << Qt::endl;
        return 1;
    }
    for (const QString& problem : merged->problems)
        err() << "convlens-cli merge: " << problem << Qt::endl;
    if (merged->overlaps > 0)
        err() << "convlens-cli merge: warning: " << merged->overlaps
              << " records were in more than one folder (overlapping shards?); the last folder's were kept"
              << Qt::endl;
    out() << "Merged " << merged->records << " records from " << folders.size() << " folders into "
          << QDir::toNativeSeparators(parser.value(QStringLiteral("out"))) << Qt::endl;
    return 0;
}

}  // namespace

int runBatchCommand(const QString& command, const QStringList& arguments)
{
    if (command == QLatin1String("batch"))
        return commandBatch(arguments);
    return commandMerge(arguments);
}

}  // namespace convlens::cli
