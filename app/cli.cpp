#include "app/cli.h"

#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/predictor.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/resultcache.h"
#include "core/registry/modelregistry.h"
#include "core/report/colormap.h"
#include "core/weights/weightdownloader.h"
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

std::optional<ModelRegistry> loadRegistry(const QCommandLineParser& parser)
{
    // The bundled models plus the user's own: --registry FILE, else models.yaml in the config folder if present.
    auto registry = ModelRegistry::loadWithUser(parser.value(QStringLiteral("registry")).toStdString());
    if (!registry) {
        err() << "convlens-cli: " << q(registry.message()) << Qt::endl;
        return std::nullopt;
    }
    return std::move(*registry);
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

// Where a model's checkpoint is: its local `path` from a user registry, else the first folder that holds its file.
std::optional<QString> findWeights(const ModelSpec& spec)
{
    if (!spec.weights.path.empty()) {
        const QString path = q(spec.weights.path);
        return QFileInfo::exists(path) ? std::optional<QString>(path) : std::nullopt;
    }
    return WeightStore::find(q(spec.weights.file));
}

// findWeights(), or a message naming the file, where it can be downloaded and where it was looked for.
Expected<QString> locateWeights(const ModelSpec& spec)
{
    if (!spec.weights.path.empty()) {
        if (auto found = findWeights(spec))
            return *found;
        return makeError(spec.id + ": checkpoint " + spec.weights.path +
                         " (weights.path in the registry) does not exist");
    }
    return WeightStore::locate(q(spec.weights.file), WeightDownloader::downloadUrl(spec.weights).toString());
}

int commandModels(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("List the models ConvLens knows and where their weights are."));
    addCommonOptions(parser);
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    auto registry = loadRegistry(parser);
    if (!registry)
        return 2;

    int idWidth = 2;
    int nameWidth = 4;
    for (const ModelSpec& spec : registry->models()) {
        idWidth = std::max(idWidth, static_cast<int>(spec.id.size()));
        nameWidth = std::max(nameWidth, static_cast<int>(q(spec.displayName).size()));
    }
    out() << QStringLiteral("ID").leftJustified(idWidth + 2) << QStringLiteral("NAME").leftJustified(nameWidth + 2)
          << "WEIGHTS\n";
    for (const ModelSpec& spec : registry->models()) {
        const auto found = findWeights(spec);
        out() << q(spec.id).leftJustified(idWidth + 2) << q(spec.displayName).leftJustified(nameWidth + 2)
              << (found ? *found : QStringLiteral("missing (%1)").arg(q(spec.weights.file))) << '\n';
    }
    if (std::none_of(registry->models().begin(), registry->models().end(),
                     [](const ModelSpec& spec) { return findWeights(spec).has_value(); })) {
        out() << "\nNo weights found. Looked in:\n";
        for (const QString& dir : WeightStore::searchDirs())
            out() << "  " << dir << '\n';
        out() << "Put the official .pth files there (see README: Weights).\n";
    }
    return 0;
}

QJsonObject predictionJson(const QString& image, const QByteArray& sha256, const ModelSpec& spec,
                           const QString& weights, const Prediction& prediction, bool fullLogits)
{
    QJsonArray predictions;
    for (const ClassScore& score : prediction.top)
        predictions.append(QJsonObject{{QStringLiteral("index"), score.index},
                                       {QStringLiteral("label"), q(score.label)},
                                       {QStringLiteral("probability"), static_cast<double>(score.probability)}});
    QJsonObject object{{QStringLiteral("image"), image},
                       {QStringLiteral("sha256"), QString::fromLatin1(sha256)},
                       {QStringLiteral("model"), q(spec.id)},
                       {QStringLiteral("weights"), weights.isEmpty() ? QJsonValue() : QJsonValue(weights)},
                       {QStringLiteral("predictions"), predictions}};
    if (fullLogits) {
        QJsonArray logits;
        for (float v : prediction.logits)
            logits.append(static_cast<double>(v));
        object.insert(QStringLiteral("logits"), logits);
    }
    return object;
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
    ModelRegistry registry;
    const ModelSpec* spec = nullptr;
    QString weightsPath;  // empty: untrained
    QStringList images;
    int topK = 5;
};

// Checks the shared options, sets the thread count and finds the model and its weights. Prints the problem and
// returns nullopt when the command cannot run.
std::optional<ModelRun> prepareModelRun(const QCommandLineParser& parser, const QString& command)
{
    ModelRun run{.registry = {}, .spec = nullptr, .weightsPath = {}, .images = {}, .topK = 5};
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
    setInferenceThreads(*threads);

    auto registry = loadRegistry(parser);
    if (!registry)
        return std::nullopt;
    run.registry = std::move(*registry);
    const std::string modelId = parser.value(QStringLiteral("model")).toStdString();
    run.spec = run.registry.find(modelId);
    if (!run.spec) {
        QStringList known;
        for (const ModelSpec& m : run.registry.models())
            known << q(m.id);
        err() << "convlens-cli " << command << ": unknown model '" << q(modelId)
              << "' (known: " << known.join(QStringLiteral(", ")) << ")" << Qt::endl;
        return std::nullopt;
    }
    if (parser.isSet(QStringLiteral("weights"))) {
        run.weightsPath = parser.value(QStringLiteral("weights"));
    } else if (!parser.isSet(QStringLiteral("untrained"))) {
        auto located = locateWeights(*run.spec);
        if (!located) {
            err() << "convlens-cli: " << q(located.message()) << Qt::endl;
            return std::nullopt;
        }
        run.weightsPath = *located;
    } else {
        err() << "convlens-cli: warning: " << q(run.spec->id)
              << " runs with untrained weights; predictions are meaningless" << Qt::endl;
    }
    return run;
}

struct ImageInput {
    QString path;
    QByteArray sha256;  // hex, of the file's bytes
    QByteArray bytes;   // encoded
    QImage rgb;         // decoded by readImage() only
};

// Reads one image file's bytes; on failure prints the message and appends an error entry to `results`.
std::optional<ImageInput> readImageBytes(const QString& path, QJsonArray& results)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        const QString message =
            path + QStringLiteral(": cannot read the file (") + file.errorString() + QLatin1Char(')');
        err() << "convlens-cli: " << message << Qt::endl;
        results.append(QJsonObject{{QStringLiteral("image"), path}, {QStringLiteral("error"), message}});
        return std::nullopt;
    }
    QByteArray bytes = file.readAll();
    return ImageInput{path, QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex(), std::move(bytes), {}};
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
        results.append(QJsonObject{{QStringLiteral("image"), path},
                                   {QStringLiteral("sha256"), QString::fromLatin1(input.sha256)},
                                   {QStringLiteral("error"), q(decoded.message())}});
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
            results.append(QJsonObject{{QStringLiteral("image"), image},
                                       {QStringLiteral("sha256"), QString::fromLatin1(input->sha256)},
                                       {QStringLiteral("error"), q(prediction.message())}});
            ++failures;
            continue;
        }
        printPrediction(image, *run->spec, *prediction);
        results.append(predictionJson(image, input->sha256, *run->spec, run->weightsPath, *prediction,
                                      parser.isSet(QStringLiteral("full-logits"))));
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
    return failures > 0 ? 1 : 0;
}

QJsonArray floatArray(const std::vector<float>& values)
{
    QJsonArray array;
    for (float v : values)
        array.append(static_cast<double>(v));
    return array;
}

QJsonObject layerJson(const LayerResult& layer)
{
    QJsonArray shape;
    for (int64_t d : layer.shape)
        shape.append(static_cast<qint64>(d));
    std::vector<float> means, maxima, sparsity;
    for (const ChannelStats& c : layer.channels) {
        means.push_back(c.mean);
        maxima.push_back(c.max);
        sparsity.push_back(c.sparsity);
    }
    QJsonArray top;
    for (const ChannelTile& tile : layer.tiles)
        top.append(QJsonObject{{QStringLiteral("channel"), tile.channel},
                               {QStringLiteral("mean"), static_cast<double>(tile.mean)}});
    const QJsonObject stats{
        {QStringLiteral("sparsity"), static_cast<double>(layer.sparsity)},
        {QStringLiteral("dead_channels"), layer.deadChannels},
        {QStringLiteral("channel_mean"), floatArray(means)},
        {QStringLiteral("channel_max"), floatArray(maxima)},
        {QStringLiteral("channel_sparsity"), floatArray(sparsity)},
        {QStringLiteral("histogram"), QJsonObject{{QStringLiteral("min"), static_cast<double>(layer.histogramMin)},
                                                  {QStringLiteral("max"), static_cast<double>(layer.histogramMax)},
                                                  {QStringLiteral("counts"), floatArray(layer.histogram)}}}};
    return QJsonObject{{QStringLiteral("name"), q(layer.name)},
                       {QStringLiteral("shape"), shape},
                       {QStringLiteral("stats"), stats},
                       {QStringLiteral("top_channels"), top}};
}

QJsonObject camJson(const CamResult& cam)
{
    QJsonArray rows;
    for (int y = 0; y < cam.gridHeight; ++y) {
        QJsonArray row;
        for (int x = 0; x < cam.gridWidth; ++x)
            row.append(static_cast<double>(cam.grid[static_cast<size_t>(y) * cam.gridWidth + x]));
        rows.append(row);
    }
    const Faithfulness& f = cam.faithfulness;
    return QJsonObject{{QStringLiteral("method"), q(cam.method)},
                       {QStringLiteral("class_index"), cam.classIndex},
                       {QStringLiteral("label"), q(cam.label)},
                       {QStringLiteral("layer"), q(cam.layer)},
                       {QStringLiteral("grid"), rows},
                       {QStringLiteral("faithfulness"),
                        QJsonObject{{QStringLiteral("confidence"), static_cast<double>(f.confidence)},
                                    {QStringLiteral("masked_confidence"), static_cast<double>(f.maskedConfidence)},
                                    {QStringLiteral("drop"), static_cast<double>(f.drop)},
                                    {QStringLiteral("increase"), static_cast<double>(f.increase)}}}};
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
                      QStringLiteral("CAM methods, comma-separated: gradcam, gradcampp, xgradcam, layercam, hirescam, "
                                     "eigencam, scorecam, guided, guidedgradcam (default gradcam; 'none' for no heatmaps)."),
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
        for (const QString& method : methods.split(QLatin1Char(','), Qt::SkipEmptyParts))
            options.methods.push_back(method.trimmed().toLower().toStdString());
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
    options.topK = run->topK;
    // The persistent cache (CACHE_* variables) serves an identical analysis of the same bytes, model, weights
    // and options without loading the model; the model is loaded on the first miss.
    std::shared_ptr<ResultCache> cache;
    if (!parser.isSet(QStringLiteral("no-cache")))
        cache = std::make_shared<ResultCache>(ResultCacheConfig::fromEnvironment(true));
    const AnalysisEngine engine(cache);
    bool modelChecked = false;

    QJsonArray results;
    int failures = 0;
    for (const QString& image : run->images) {
        auto input = readImageBytes(image, results);
        if (!input) {
            ++failures;
            continue;
        }
        const AnalysisRequest request{image, input->bytes, *run->spec, run->weightsPath, options};
        auto analysis = engine.run(request);
        if (!analysis) {
            // A model that cannot be loaded fails every image alike: report it once, as a usage error.
            if (!modelChecked) {
                auto loaded = engine.preload(*run->spec, run->weightsPath);
                if (!loaded) {
                    err() << "convlens-cli: " << q(loaded.message()) << Qt::endl;
                    return 2;
                }
                modelChecked = true;
            }
            err() << "convlens-cli: " << q(analysis.message()) << Qt::endl;
            results.append(QJsonObject{{QStringLiteral("image"), image},
                                       {QStringLiteral("sha256"), QString::fromLatin1(input->sha256)},
                                       {QStringLiteral("error"), q(analysis.message())}});
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

        QJsonObject object = predictionJson(image, input->sha256, *run->spec, run->weightsPath, result->prediction,
                                            parser.isSet(QStringLiteral("full-logits")));
        QJsonArray layers;
        for (const LayerResult& layer : result->layers)
            layers.append(layerJson(layer));
        QJsonArray cams;
        for (const CamResult& cam : result->cams)
            cams.append(camJson(cam));
        QJsonObject timings;
        for (const auto& [stage, ms] : result->timingsMs)
            timings.insert(q(stage), ms);
        object.insert(QStringLiteral("layers"), layers);
        object.insert(QStringLiteral("cams"), cams);
        object.insert(QStringLiteral("timings_ms"), timings);
        object.insert(QStringLiteral("cached"), analysis->cached);
        results.append(object);

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
std::optional<std::vector<const ModelSpec*>> selectModels(const ModelRegistry& registry, const QStringList& ids)
{
    std::vector<const ModelSpec*> specs;
    if (ids.isEmpty()) {
        for (const ModelSpec& spec : registry.models())
            specs.push_back(&spec);
        return specs;
    }
    for (const QString& id : ids) {
        const ModelSpec* spec = registry.find(id.toStdString());
        if (!spec) {
            err() << "convlens-cli weights: unknown model '" << id << "' (see 'convlens-cli models')" << Qt::endl;
            return std::nullopt;
        }
        specs.push_back(spec);
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
    if (parser.isSet(QStringLiteral("mirror")))
        WeightDownloader::setMirror(parser.value(QStringLiteral("mirror")));
    auto registry = loadRegistry(parser);
    if (!registry)
        return 2;
    auto specs = selectModels(*registry, ids);
    if (!specs)
        return 2;

    int failures = 0;
    for (const ModelSpec* spec : *specs) {
        const auto found = findWeights(*spec);
        if (action == QLatin1String("list")) {
            out() << q(spec->id).leftJustified(20)
                  << (found ? *found : QStringLiteral("missing  ") + q(spec->weights.file)) << '\n';
        } else if (action == QLatin1String("path")) {
            auto located = locateWeights(*spec);
            if (!located) {
                err() << "convlens-cli: " << q(located.message()) << Qt::endl;
                ++failures;
            } else {
                out() << *located << '\n';
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
            auto downloaded = downloadBlocking(spec->weights, printDownloadProgress);
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
