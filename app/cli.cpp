#include "app/cli.h"

#include "core/image/imagedecoder.h"
#include "core/image/imagefile.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/predictor.h"
#include "core/inspect/resultjson.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/resultcache.h"
#include "core/report/colormap.h"
#include "core/session/analysissession.h"
#include "core/weights/weightdownloader.h"
#include "core/weights/weightsresolver.h"
#include "core/weights/weightstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace convlens::cli {
namespace {

QTextStream& out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream& err()
{
    static QTextStream stream(stderr);
    return stream;
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

const char* const kUsage =
    "Usage: convlens-cli <command> [options]\n"
    "\n"
    "Commands:\n"
    "  models                          list the models, and where each one's weights were found\n"
    "  predict IMAGE... --model ID     classify images: top-K labels with probabilities\n"
    "  analyze IMAGE... --model ID     predictions, feature-map statistics and CAM heatmaps\n"
    "  weights list|fetch|verify|path  find, download and verify checkpoint files\n"
    "\n"
    "Run 'convlens-cli <command> --help' for the options of a command.\n";

// Options every command takes.
void addCommonOptions(QCommandLineParser& parser)
{
    parser.addHelpOption();
    parser.addOption({QStringLiteral("registry"),
                      QStringLiteral("Your own models (YAML, schema of model_registry.yaml), added to the bundled ones "
                                     "(default: models.yaml in the config folder, if present)."),
                      QStringLiteral("FILE")});
}

// The session every command works in: the bundled models plus the user's own (--registry FILE, else models.yaml
// in the config folder if present), analysed by `engine` (a cacheless one when null). Prints the problem and
// returns null when the registry cannot be loaded.
std::unique_ptr<AnalysisSession> openSession(const QCommandLineParser& parser,
                                             std::shared_ptr<AnalysisEngine> engine = nullptr)
{
    SessionOptions options;
    options.userRegistry = parser.value(QStringLiteral("registry"));
    options.openSampleOnFirstStart = false;
    if (!engine)
        engine = std::make_shared<AnalysisEngine>(nullptr);
    // The command line keeps no settings of its own: its options say everything (defaults otherwise).
    auto session = std::make_unique<AnalysisSession>(std::move(engine), AppSettings{}, options);
    auto loaded = session->loadRegistryNow();
    if (!loaded) {
        err() << "convlens-cli: " << q(loaded.message()) << Qt::endl;
        return nullptr;
    }
    return session;
}

// Parses `arguments` (the command and its options); prints the error or help and returns false when the
// command should not run, with `exitCode` set.
bool parseOrExit(QCommandLineParser& parser, const QStringList& arguments, int& exitCode)
{
    if (!parser.parse(arguments)) {
        err() << "convlens-cli: " << parser.errorText() << "\n\n" << parser.helpText();
        exitCode = 2;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        exitCode = 0;
        return false;
    }
    return true;
}

int commandModels(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("List the models ConvLens knows and where their weights are."));
    addCommonOptions(parser);
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    auto session = openSession(parser);
    if (!session)
        return 2;
    const std::vector<ModelSpec>& models = session->registry()->models();

    int idWidth = 2;
    int nameWidth = 4;
    for (const ModelSpec& spec : models) {
        idWidth = std::max(idWidth, static_cast<int>(spec.id.size()));
        nameWidth = std::max(nameWidth, static_cast<int>(q(spec.displayName).size()));
    }
    out() << QStringLiteral("ID").leftJustified(idWidth + 2) << QStringLiteral("NAME").leftJustified(nameWidth + 2)
          << "WEIGHTS\n";
    bool anyFound = false;
    for (const ModelSpec& spec : models) {
        const WeightsStatus weights = resolveWeights(spec, {});
        anyFound = anyFound || weights.kind == WeightsStatus::Kind::Found;
        out() << q(spec.id).leftJustified(idWidth + 2) << q(spec.displayName).leftJustified(nameWidth + 2)
              << (weights.kind == WeightsStatus::Kind::Found ? weights.path
                                                             : QStringLiteral("missing (%1)").arg(q(spec.weights.file)))
              << '\n';
    }
    if (!anyFound) {
        out() << "\nNo weights found. Looked in:\n";
        for (const QString& dir : WeightStore::searchDirs())
            out() << "  " << dir << '\n';
        out() << "Put the official .pth files there (see README: Weights).\n";
    }
    return 0;
}

bool writeJson(const QString& path, const QJsonDocument& document)
{
    if (path == QLatin1String("-")) {
        out() << document.toJson(QJsonDocument::Indented);
        out().flush();
        return true;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(document.toJson()) < 0) {
        err() << "convlens-cli: cannot write " << path << ": " << file.errorString() << Qt::endl;
        return false;
    }
    return true;
}

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
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Inference threads (default: all cores)."),
                      QStringLiteral("N"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Also write the results as JSON to FILE ('-': stdout)."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("full-logits"), QStringLiteral("Include all raw logits in the JSON output.")});
}

// A positive whole number option, or nullopt after printing what is wrong.
std::optional<int> positiveOption(const QCommandLineParser& parser, const QString& command, const QString& name,
                                  bool zeroAllowed)
{
    bool ok = false;
    const int value = parser.value(name).toInt(&ok);
    if (ok && (value > 0 || (zeroAllowed && value == 0)))
        return value;
    err() << "convlens-cli " << command << ": --" << name << " must be "
          << (zeroAllowed ? "0 or a positive whole number" : "a positive whole number") << ", not '"
          << parser.value(name) << "'" << Qt::endl;
    return std::nullopt;
}

// What the model-running commands share once their options are checked.
struct ModelRun {
    std::shared_ptr<AnalysisEngine> engine;
    std::unique_ptr<AnalysisSession> session;
    const ModelSpec* spec = nullptr;
    QString weightsPath;  // empty: untrained
    QStringList images;
    int topK = 5;
};

// Checks the shared options, sets the thread count and finds the model and its weights (the session's weights
// resolver: --weights FILE, the registry's path, the search folders; --untrained when none is found). Prints the
// problem and returns nullopt when the command cannot run.
std::optional<ModelRun> prepareModelRun(const QCommandLineParser& parser, const QString& command,
                                        std::shared_ptr<ResultCache> cache = nullptr)
{
    ModelRun run;
    run.images = parser.positionalArguments();
    if (run.images.isEmpty() || !parser.isSet(QStringLiteral("model"))) {
        err() << "convlens-cli " << command << ": needs at least one IMAGE and --model ID\n\n" << parser.helpText();
        return std::nullopt;
    }
    const auto topK = positiveOption(parser, command, QStringLiteral("top-k"), false);
    const auto threads = positiveOption(parser, command, QStringLiteral("threads"), true);
    if (!topK || !threads)
        return std::nullopt;
    run.topK = *topK;

    run.engine = std::make_shared<AnalysisEngine>(std::move(cache));
    run.session = openSession(parser, run.engine);
    if (!run.session)
        return std::nullopt;
    AppSettings settings = run.session->settings();
    settings.threads = *threads;
    run.session->setSettings(settings);
    auto spec = run.session->findModel(parser.value(QStringLiteral("model")));
    if (!spec) {
        err() << "convlens-cli " << command << ": " << q(spec.message()) << Qt::endl;
        return std::nullopt;
    }
    run.spec = *spec;
    // --untrained asks for no checkpoint at all, even where one is found.
    const bool untrained = parser.isSet(QStringLiteral("untrained")) && !parser.isSet(QStringLiteral("weights"));
    const WeightsStatus weights = untrained ? WeightsStatus{WeightsStatus::Kind::Untrained, {}, {}}
                                            : resolveWeights(*run.spec, {parser.value(QStringLiteral("weights")), {}, false});
    if (weights.kind == WeightsStatus::Kind::Missing) {
        err() << "convlens-cli: " << weights.message << Qt::endl;
        return std::nullopt;
    }
    if (weights.kind == WeightsStatus::Kind::Untrained)
        err() << "convlens-cli: warning: " << q(run.spec->id)
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
    const QByteArray sha256 = QCryptographicHash::hash(*bytes, QCryptographicHash::Sha256).toHex();
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

void printPrediction(const QString& image, const ModelSpec& spec, const Prediction& prediction)
{
    out() << image << "  (" << q(spec.displayName) << ")\n";
    for (const ClassScore& score : prediction.top)
        out() << QStringLiteral("  %1%  %2  %3\n")
                     .arg(score.probability * 100.0, 6, 'f', 2)
                     .arg(score.index, 4)
                     .arg(q(score.label));
    out().flush();
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
    auto predictor = Predictor::create(*run->spec, run->weightsPath);
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
        printPrediction(image, *run->spec, *prediction);
        results.append(predictionJson(image, input->sha256.toStdString(), run->spec->id,
                                      run->weightsPath.toStdString(), *prediction,
                                      parser.isSet(QStringLiteral("full-logits"))));
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
    return failures > 0 ? 1 : 0;
}

// File-name-safe form of a block or method name.
QString safeName(const std::string& name)
{
    QString s = q(name);
    for (QChar& c : s)
        if (!c.isLetterOrNumber() && c != QLatin1Char('-') && c != QLatin1Char('_'))
            c = QLatin1Char('_');
    return s;
}

// All tiles of a layer as one contact sheet, strongest channel first, row by row.
QImage contactSheet(const LayerResult& layer)
{
    if (layer.tiles.empty())
        return {};
    const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(layer.tiles.size()))));
    const int rows = (static_cast<int>(layer.tiles.size()) + columns - 1) / columns;
    const int cell = 64;
    const int gap = 2;
    QImage sheet(columns * (cell + gap) + gap, rows * (cell + gap) + gap, QImage::Format_RGB32);
    sheet.fill(QColor(32, 32, 32));
    QPainter painter(&sheet);
    for (size_t i = 0; i < layer.tiles.size(); ++i) {
        const int col = static_cast<int>(i) % columns;
        const int row = static_cast<int>(i) / columns;
        painter.drawImage(QRect(gap + col * (cell + gap), gap + row * (cell + gap), cell, cell), layer.tiles[i].image);
    }
    return sheet;
}

// Writes the input crop, one overlay per CAM map and one contact sheet per layer under dir/<image stem>/.
bool writeImages(const QString& dir, const QString& image, const AnalysisResult& result, Colormap colormap)
{
    const QString base = dir + QLatin1Char('/') + QFileInfo(image).completeBaseName();
    if (!QDir().mkpath(base)) {
        err() << "convlens-cli: cannot create " << base << Qt::endl;
        return false;
    }
    bool ok = result.input.save(base + QStringLiteral("/input.png"));
    for (const CamResult& cam : result.cams) {
        const QImage overlay = overlayHeatmap(result.input, cam.heatmap, cam.heatmapSize, colormap, 0.5f);
        ok = overlay.save(QStringLiteral("%1/cam_%2_%3.png").arg(base, safeName(cam.method)).arg(cam.classIndex)) && ok;
        // Input-space methods also have an image of their own (pytorch-grad-cam's deprocess_image).
        if (!cam.guided.empty())
            ok = guidedImage(cam).save(
                     QStringLiteral("%1/guided_%2_%3.png").arg(base, safeName(cam.method)).arg(cam.classIndex)) &&
                 ok;
    }
    for (const LayerResult& layer : result.layers) {
        const QImage sheet = contactSheet(layer);
        if (!sheet.isNull())
            ok = sheet.save(QStringLiteral("%1/layer_%2.png").arg(base, safeName(layer.name))) && ok;
    }
    if (!ok)
        err() << "convlens-cli: could not write every image under " << base << Qt::endl;
    return ok;
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
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QString command = QStringLiteral("analyze");

    AnalysisOptions options;
    const QString methods = parser.value(QStringLiteral("methods"));
    if (methods != QLatin1String("none"))
        for (const QString& method : methods.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const std::string id = method.trimmed().toLower().toStdString();
            if (!findMethod(id)) {
                err() << "convlens-cli analyze: unknown method '" << q(id) << "' (known: " << q(methodIdList())
                      << ")" << Qt::endl;
                return 2;
            }
            options.methods.push_back(id);
        }
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
    // The persistent cache (CACHE_* variables) serves an identical analysis of the same bytes, model, weights
    // and options without loading the model; the model is loaded on the first miss.
    std::shared_ptr<ResultCache> cache;
    if (!parser.isSet(QStringLiteral("no-cache")))
        cache = std::make_shared<ResultCache>(ResultCacheConfig::fromEnvironment(true));
    auto run = prepareModelRun(parser, command, cache);
    if (!run)
        return 2;
    options.topK = run->topK;

    QJsonArray results;
    int failures = 0;
    for (const QString& image : run->images) {
        auto input = readImageBytes(image, results);
        if (!input) {
            ++failures;
            continue;
        }
        const AnalysisRequest request{image, input->bytes, *run->spec, run->weightsPath, options};
        auto analysis = run->engine->run(request);
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
        printPrediction(image, *run->spec, result->prediction);
        for (const CamResult& cam : result->cams)
            out() << QStringLiteral("  %1 at %2 for %3 (%4): confidence drop %5, increase %6\n")
                         .arg(q(cam.method), q(cam.layer))
                         .arg(cam.classIndex)
                         .arg(q(cam.label))
                         .arg(cam.faithfulness.drop, 0, 'f', 4)
                         .arg(cam.faithfulness.increase, 0, 'f', 0);
        out() << QStringLiteral("  %1 layers summarised\n").arg(result->layers.size());
        if (analysis->cached)
            out() << "  (from the result cache)\n";
        out().flush();

        results.append(analysisJson(image, *result, analysis->cached, parser.isSet(QStringLiteral("full-logits"))));

        if (parser.isSet(QStringLiteral("out")) &&
            !writeImages(parser.value(QStringLiteral("out")), image, *result, *colormap))
            ++failures;
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
    return failures > 0 ? 1 : 0;
}

// Prints "received / total (rate)" on one stderr line, rewritten as the download goes.
void printDownloadProgress(qint64 received, qint64 total, double bytesPerSecond)
{
    const double mib = 1024.0 * 1024.0;
    err() << QStringLiteral("\r  %1 / %2 MiB  (%3 MiB/s)   ")
                 .arg(received / mib, 0, 'f', 1)
                 .arg(total > 0 ? QString::number(total / mib, 'f', 1) : QStringLiteral("?"))
                 .arg(bytesPerSecond / mib, 0, 'f', 1);
    err().flush();
}

// The models named in `ids` (all when empty), or nullopt after naming an unknown id.
std::optional<std::vector<const ModelSpec*>> selectModels(const AnalysisSession& session, const QStringList& ids)
{
    std::vector<const ModelSpec*> specs;
    if (ids.isEmpty()) {
        for (const ModelSpec& spec : session.registry()->models())
            specs.push_back(&spec);
        return specs;
    }
    for (const QString& id : ids) {
        auto spec = session.findModel(id);
        if (!spec) {
            err() << "convlens-cli weights: " << q(spec.message()) << Qt::endl;
            return std::nullopt;
        }
        specs.push_back(*spec);
    }
    return specs;
}

int commandWeights(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Manage checkpoint files.\n"
        "  weights list            where each model's file is, or that it is missing\n"
        "  weights fetch ID...     download missing files (verified against the sha256 in the file name)\n"
        "  weights verify [ID...]  check present files against their sha256\n"
        "  weights path ID         print the file's path"));
    addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("ACTION"), QStringLiteral("list, fetch, verify or path."));
    parser.addOption({QStringLiteral("mirror"),
                      QStringLiteral("Download from this base URL instead of download.pytorch.org "
                                     "(also: CONVLENS_WEIGHTS_MIRROR)."),
                      QStringLiteral("URL")});
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const QStringList ids = positional.mid(1);
    if (action != QLatin1String("list") && action != QLatin1String("fetch") && action != QLatin1String("verify") &&
        action != QLatin1String("path")) {
        err() << "convlens-cli weights: needs an action: list, fetch, verify or path\n\n" << parser.helpText();
        return 2;
    }
    if ((action == QLatin1String("fetch") && ids.isEmpty()) || (action == QLatin1String("path") && ids.size() != 1)) {
        err() << "convlens-cli weights " << action << ": needs " << (action == QLatin1String("path") ? "one" : "a")
              << " model ID" << Qt::endl;
        return 2;
    }
    auto session = openSession(parser);
    if (!session)
        return 2;
    if (parser.isSet(QStringLiteral("mirror")))
        WeightDownloader::setMirror(parser.value(QStringLiteral("mirror")));
    auto specs = selectModels(*session, ids);
    if (!specs)
        return 2;

    int failures = 0;
    for (const ModelSpec* spec : *specs) {
        const WeightsStatus weights = resolveWeights(*spec, {});
        const std::optional<QString> found =
            weights.kind == WeightsStatus::Kind::Found ? std::optional<QString>(weights.path) : std::nullopt;
        if (action == QLatin1String("list")) {
            out() << q(spec->id).leftJustified(20)
                  << (found ? *found : QStringLiteral("missing  ") + q(spec->weights.file)) << '\n';
        } else if (action == QLatin1String("path")) {
            if (!found) {
                err() << "convlens-cli: " << weights.message << Qt::endl;
                ++failures;
            } else {
                out() << *found << '\n';
            }
        } else if (action == QLatin1String("verify")) {
            if (!found) {
                if (!ids.isEmpty()) {
                    err() << q(spec->id) << ": " << q(spec->weights.file) << " is missing" << Qt::endl;
                    ++failures;
                }
                continue;
            }
            auto verified = verifyWeightsFile(*found, spec->weights);
            if (verified) {
                out() << q(spec->id) << ": OK  " << *found << '\n';
            } else {
                out() << q(spec->id) << ": FAILED  " << q(verified.message()) << '\n';
                ++failures;
            }
        } else if (found) {  // fetch
            out() << q(spec->id) << ": already present at " << *found << '\n';
        } else if (!spec->weights.path.empty()) {
            err() << q(spec->id) << ": its checkpoint is the local file " << q(spec->weights.path)
                  << ", which does not exist; there is nothing to download" << Qt::endl;
            ++failures;
        } else {
            err() << q(spec->id) << ": downloading " << WeightDownloader::downloadUrl(spec->weights).toString()
                  << Qt::endl;
            auto downloaded = downloadBlocking(spec->weights, {}, printDownloadProgress);
            err() << '\n';
            if (downloaded) {
                out() << q(spec->id) << ": saved " << *downloaded << '\n';
            } else {
                err() << "convlens-cli: " << q(downloaded.message()) << Qt::endl;
                ++failures;
            }
        }
        out().flush();
    }
    return failures > 0 ? 1 : 0;
}

}  // namespace

int run(const QStringList& arguments)
{
    if (arguments.isEmpty() || arguments.first() == QLatin1String("--help") ||
        arguments.first() == QLatin1String("-h") || arguments.first() == QLatin1String("help")) {
        (arguments.isEmpty() ? err() : out()) << kUsage;
        return arguments.isEmpty() ? 2 : 0;
    }
    if (arguments.first() == QLatin1String("--version")) {
        out() << "convlens-cli " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    // QCommandLineParser expects the program name first; the command word stands in for it.
    const QString command = arguments.first();
    const QStringList rest = QStringList{QStringLiteral("convlens-cli ") + command} + arguments.mid(1);
    if (command == QLatin1String("models"))
        return commandModels(rest);
    if (command == QLatin1String("predict"))
        return commandPredict(rest);
    if (command == QLatin1String("analyze"))
        return commandAnalyze(rest);
    if (command == QLatin1String("weights"))
        return commandWeights(rest);
    err() << "convlens-cli: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
}

}  // namespace convlens::cli
