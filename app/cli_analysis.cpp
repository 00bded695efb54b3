#include "app/cli.h"

#include "app/cliio.h"
#include "core/common/computedevice.h"
#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/predictor.h"
#include "core/inspect/resultjson.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/cachekey.h"
#include "core/jobs/resultcache.h"
#include "core/report/colormap.h"
#include "core/report/resultimages.h"
#include "core/weights/weightsresolver.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <memory>
#include <optional>

namespace convlens::cli {
namespace {

// Options of the commands that run one model over images.
void addModelRunOptions(QCommandLineParser& parser, const QString& defaultTopK)
{
    addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("IMAGE"), QStringLiteral("Image files."), QStringLiteral("IMAGE..."));
    parser.addOption(
        {QStringLiteral("model"), QStringLiteral("Model id (see 'convlens-cli models')."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("top-k"),
                      QStringLiteral("Number of classes to show (default %1).").arg(defaultTopK), QStringLiteral("K"),
                      defaultTopK});
    parser.addOption({QStringLiteral("weights"),
                      QStringLiteral("Checkpoint file to use instead of the registry's default weights."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("untrained"),
                      QStringLiteral("Run without weights (random initialisation; predictions are meaningless).")});
    addThreadsOption(parser);
    addDeviceOption(parser);
    parser.addOption({QStringLiteral("json"), QStringLiteral("Also write the results as JSON to FILE ('-': stdout)."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("full-logits"), QStringLiteral("Include all raw logits in the JSON output.")});
}

// What the model-running commands share once their options are checked.
struct ModelRun {
    ModelSpec spec;
    QString weightsPath;  // empty: untrained
    QStringList images;
    int topK = 5;
};

// Checks the shared options, sets the thread count and finds the model and its weights (the weights resolver:
// --weights FILE, the registry's path, the search folders; --untrained runs without any). Prints the problem and
// returns nullopt when the command cannot run.
std::optional<ModelRun> prepareModelRun(const QCommandLineParser& parser, const QString& command)
{
    ModelRun run;
    run.images = parser.positionalArguments();
    if (run.images.isEmpty() || !parser.isSet(QStringLiteral("model"))) {
        err() << "convlens-cli " << command << ": needs at least one IMAGE and --model ID\n\n"
              << helpText(parser, command);
        return std::nullopt;
    }
    const auto topK = positiveOption(parser, command, QStringLiteral("top-k"), false);
    const auto threads = positiveOption(parser, command, QStringLiteral("threads"), true);
    if (!topK || !threads)
        return std::nullopt;
    run.topK = *topK;

    setInferenceThreads(*threads);
    if (!applyDeviceOption(parser, command))
        return std::nullopt;

    const auto registry = loadRegistry(parser);
    if (!registry)
        return std::nullopt;
    auto spec = registry->require(parser.value(QStringLiteral("model")).toStdString());
    if (!spec) {
        err() << "convlens-cli " << command << ": " << q(spec.message()) << Qt::endl;
        return std::nullopt;
    }
    run.spec = **spec;
    // --untrained asks for no checkpoint at all, even where one is found.
    const bool untrained = parser.isSet(QStringLiteral("untrained")) && !parser.isSet(QStringLiteral("weights"));
    const WeightsStatus weights = untrained ? WeightsStatus{WeightsStatus::Kind::Untrained, {}, {}}
                                            : resolveWeights(run.spec, {parser.value(QStringLiteral("weights")), {}, false});
    if (weights.kind == WeightsStatus::Kind::Missing) {
        err() << "convlens-cli: " << weights.message << Qt::endl;
        return std::nullopt;
    }
    if (weights.kind == WeightsStatus::Kind::Untrained)
        err() << "convlens-cli: warning: " << q(run.spec.id)
              << " runs with untrained weights; predictions are meaningless" << Qt::endl;
    run.weightsPath = weights.path;
    return run;
}

struct ImageInput {
    QString path;
    QByteArray sha256;  // hex, of the file's bytes
    QByteArray bytes;   // encoded
    QImage rgb;         // decoded by readImage() only
};

// Reads one image file's bytes (core/image/imagefile.h); on failure prints the message and appends an error entry
// to `results`.
std::optional<ImageInput> readImageBytes(const QString& path, QJsonArray& results)
{
    Expected<QByteArray> bytes = readImageFile(path);
    if (!bytes) {
        err() << "convlens-cli: " << q(bytes.message()) << Qt::endl;
        results.append(imageErrorJson(path, {}, bytes.message()));
        return std::nullopt;
    }
    const QByteArray sha256 = QByteArray::fromStdString(CacheKey::sha256Hex(*bytes));
    return ImageInput{path, sha256, std::move(bytes.value()), {}};
}

// Reads and decodes one image; on failure prints the message and appends an error entry to `results`.
std::optional<ImageInput> readImage(const QString& path, QJsonArray& results)
{
    auto read = readImageBytes(path, results);
    if (!read)
        return std::nullopt;
    ImageInput input = std::move(*read);
    auto decoded = decodeImageData(input.bytes, path);
    if (!decoded) {
        err() << "convlens-cli: " << q(decoded.message()) << Qt::endl;
        results.append(imageErrorJson(path, input.sha256.toStdString(), decoded.message()));
        return std::nullopt;
    }
    input.rgb = std::move(*decoded);
    return input;
}

void printPrediction(QTextStream& stream, const QString& image, const ModelSpec& spec, const Prediction& prediction)
{
    stream << image << "  (" << q(spec.displayName) << ")\n";
    for (const ClassScore& score : prediction.top)
        stream << QStringLiteral("  %1%  %2  %3\n")
                     .arg(score.probability * 100.0, 6, 'f', 2)
                     .arg(score.index, 4)
                     .arg(q(score.label));
    stream.flush();
}

int commandPredict(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Classify images with one model."));
    addModelRunOptions(parser, QStringLiteral("5"));
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    auto run = prepareModelRun(parser, QStringLiteral("predict"));
    if (!run)
        return 2;
    auto predictor = Predictor::create(run->spec, run->weightsPath);
    if (!predictor) {
        err() << "convlens-cli: " << q(predictor.message()) << Qt::endl;
        return 2;
    }

    QJsonArray results;
    int failures = 0;
    for (const QString& image : run->images) {
        auto input = readImage(image, results);
        if (!input) {
            ++failures;
            continue;
        }
        auto prediction = predictor->predict(input->rgb, run->topK);
        if (!prediction) {
            err() << "convlens-cli: " << q(prediction.message()) << Qt::endl;
            results.append(imageErrorJson(image, input->sha256.toStdString(), prediction.message()));
            ++failures;
            continue;
        }
        printPrediction(text(parser), image, run->spec, *prediction);
        results.append(predictionJson(image, input->sha256.toStdString(), run->spec.id,
                                      run->weightsPath.toStdString(), *prediction,
                                      parser.isSet(QStringLiteral("full-logits"))));
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
    return failures > 0 ? 1 : 0;
}

int commandAnalyze(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Analyse images with one model: predictions, feature maps of every tap, CAM heatmaps."));
    addModelRunOptions(parser, QStringLiteral("3"));
    parser.addOption({QStringLiteral("methods"),
                      QStringLiteral("Heatmap methods, comma-separated: %1 (default gradcam; 'none' for no heatmaps).")
                          .arg(q(methodIdList())),
                      QStringLiteral("LIST"), QStringLiteral("gradcam")});
    parser.addOption({QStringLiteral("layer"),
                      QStringLiteral("Block or stage the heatmaps are computed at (default: the model's CAM target)."),
                      QStringLiteral("BLOCK")});
    parser.addOption({QStringLiteral("tiles"),
                      QStringLiteral("Strongest channels kept per layer as tiles (default 16; 'all')."),
                      QStringLiteral("N"), QStringLiteral("16")});
    parser.addOption({QStringLiteral("out"),
                      QStringLiteral("Write the input crop, heatmap overlays and layer tiles as PNG under DIR."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("colormap"),
                      QStringLiteral("Colormap of the overlays: jet, turbo, viridis, inferno (default jet)."),
                      QStringLiteral("NAME"), QStringLiteral("jet")});
    parser.addOption(
        {QStringLiteral("no-cache"),
         QStringLiteral("Neither use nor fill the result cache (by default results are kept in the cache "
                        "folder and an identical analysis is served from there; also: CACHE_ENABLED=0).")});
    parser.addOption({QStringLiteral("npy"),
                      QStringLiteral("With --out, also write the raw numbers as NumPy arrays (.npy): each map at its "
                                     "layer's resolution and normalised, each layer's channel means, maxima and "
                                     "histogram; the JSON lists them under \"arrays\".")});
    parser.addOption({QStringLiteral("activations"),
                      QStringLiteral("With --npy, also each layer's whole output (C×H×W float32, a few MB a layer) "
                                     "as layer_<block>_activations.npy.")});
    parser.addOption({QStringLiteral("no-faithfulness"),
                      QStringLiteral("Skip each map's faithfulness (one masked forward pass per map); the JSON then "
                                     "says \"measured\": false.")});
    addMethodOptions(parser);
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString command = QStringLiteral("analyze");

    if (parser.isSet(QStringLiteral("npy")) && !parser.isSet(QStringLiteral("out"))) {
        err() << "convlens-cli analyze: --npy writes into the --out folder; give --out DIR too" << Qt::endl;
        return 2;
    }
    if (parser.isSet(QStringLiteral("activations")) && !parser.isSet(QStringLiteral("npy"))) {
        err() << "convlens-cli analyze: --activations writes .npy files; give --npy (and --out DIR) too" << Qt::endl;
        return 2;
    }
    AnalysisOptions options;
    options.keepActivations = parser.isSet(QStringLiteral("activations"));
    const auto methods = methodList(parser.value(QStringLiteral("methods")), command);
    if (!methods)
        return 2;
    options.methods = *methods;
    options.faithfulness = !parser.isSet(QStringLiteral("no-faithfulness"));
    const auto methodSettings = methodOptions(parser, command);
    if (!methodSettings)
        return 2;
    options.methodOptions = *methodSettings;
    options.camLayer = parser.value(QStringLiteral("layer")).toStdString();
    if (parser.value(QStringLiteral("tiles")) == QLatin1String("all")) {
        options.tilesPerLayer = 0;
    } else {
        const auto tiles = positiveOption(parser, command, QStringLiteral("tiles"), false);
        if (!tiles)
            return 2;
        options.tilesPerLayer = *tiles;
    }
    const auto colormap = colormapFromName(parser.value(QStringLiteral("colormap")));
    if (!colormap) {
        err() << "convlens-cli analyze: unknown colormap '" << parser.value(QStringLiteral("colormap"))
              << "' (jet, turbo, viridis, inferno)" << Qt::endl;
        return 2;
    }
    auto run = prepareModelRun(parser, command);
    if (!run)
        return 2;
    // The persistent cache (CACHE_* variables) serves an identical analysis of the same bytes, model, weights
    // and options without loading the model; the model is loaded on the first miss.
    std::shared_ptr<ResultCache> cache;
    if (!parser.isSet(QStringLiteral("no-cache")))
        cache = std::make_shared<ResultCache>(ResultCacheConfig::fromEnvironment(true));
    const AnalysisEngine engine(cache);
    options.topK = run->topK;

    QJsonArray results;
    int failures = 0;
    for (const QString& image : run->images) {
        auto input = readImageBytes(image, results);
        if (!input) {
            ++failures;
            continue;
        }
        const AnalysisRequest request{image, input->bytes, run->spec, run->weightsPath, options};
        auto analysis = engine.run(request);
        if (std::optional<QString> problem = cache ? cache->takeDiskProblem() : std::nullopt)
            err() << "convlens-cli: warning: " << *problem << Qt::endl;
        if (!analysis) {
            err() << "convlens-cli: " << q(analysis.message()) << Qt::endl;
            // A checkpoint that cannot be loaded fails every image alike: nothing more can run.
            if (analysis.kind() == ErrorKind::Weights)
                return 2;
            results.append(imageErrorJson(image, input->sha256.toStdString(), analysis.message()));
            ++failures;
            continue;
        }
        const ResultPtr& result = analysis->result;
        QTextStream& shown = text(parser);
        printPrediction(shown, image, run->spec, result->prediction);
        for (const CamResult& cam : result->cams)
            shown << QStringLiteral("  %1 at %2 for %3 (%4): confidence drop %5, increase %6\n")
                         .arg(q(cam.method), q(cam.layer))
                         .arg(cam.classIndex)
                         .arg(q(cam.label))
                         .arg(cam.faithfulness.drop, 0, 'f', 4)
                         .arg(cam.faithfulness.increase, 0, 'f', 0);
        shown << QStringLiteral("  %1 layers summarised\n").arg(result->layers.size());
        if (analysis->cached)
            shown << "  (from the result cache)\n";
        shown.flush();

        QJsonObject json = analysisJson(image, *result, analysis->cached, parser.isSet(QStringLiteral("full-logits")));
        if (parser.isSet(QStringLiteral("out"))) {
            const QString folder =
                parser.value(QStringLiteral("out")) + QLatin1Char('/') + QFileInfo(image).completeBaseName();
            auto written = writeResultImages(folder, *result, *colormap);
            if (!written) {
                err() << "convlens-cli: " << q(written.message()) << Qt::endl;
                ++failures;
            }
            if (parser.isSet(QStringLiteral("npy"))) {
                // The JSON names every array written, by its path as given to --out.
                const auto arrays = writeResultArrays(folder, *result);
                if (!arrays) {
                    err() << "convlens-cli: " << q(arrays.message()) << Qt::endl;
                    ++failures;
                } else {
                    QJsonArray names;
                    for (const QString& name : *arrays)
                        names.append(folder + QLatin1Char('/') + name);
                    json.insert(QStringLiteral("arrays"), names);
                }
            }
        }
        results.append(json);
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
    return failures > 0 ? 1 : 0;
}

}  // namespace

void addThreadsOption(QCommandLineParser& parser)
{
    parser.addOption(
        {QStringLiteral("threads"),
         QStringLiteral(
             "Inference threads (default: automatic: all cores, one fewer for each core other programs keep busy)."),
         QStringLiteral("N"), QStringLiteral("0")});
}

void addDeviceOption(QCommandLineParser& parser)
{
    parser.addOption({QStringLiteral("device"),
                      QStringLiteral("Where inference runs: cpu (default), cuda or cuda:N (needs a LibTorch built "
                                     "with CUDA)."),
                      QStringLiteral("NAME"), QStringLiteral("cpu")});
}

bool applyDeviceOption(const QCommandLineParser& parser, const QString& command)
{
    const Expected<std::string> device = setComputeDevice(parser.value(QStringLiteral("device")).toStdString());
    if (!device)
        err() << "convlens-cli " << command << ": --device: " << q(device.message()) << Qt::endl;
    return bool(device);
}

int runAnalysis(const QStringList& arguments)
{
    const QString command = arguments.value(0);
    const QStringList rest = QStringList{QStringLiteral("convlens-cli ") + command} + arguments.mid(1);
    if (command == QLatin1String("predict"))
        return commandPredict(rest);
    if (command == QLatin1String("analyze"))
        return commandAnalyze(rest);
    if (command == QLatin1String("batch") || command == QLatin1String("merge"))
        return runBatchCommand(command, rest);
    err() << "convlens-cli-engine: runs predict, analyze, batch and merge for convlens-cli, not '" << command << "'"
          << Qt::endl;
    return 2;
}

}  // namespace convlens::cli
