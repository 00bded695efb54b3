#include "app/cli.h"

#include "core/common/threads.h"
#include "core/image/imagedecoder.h"
#include "core/inspect/predictor.h"
#include "core/registry/modelregistry.h"
#include "core/weights/weightstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
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
    "\n"
    "Run 'convlens-cli <command> --help' for the options of a command.\n";

// Options every command takes.
void addCommonOptions(QCommandLineParser& parser)
{
    parser.addHelpOption();
    parser.addOption({QStringLiteral("registry"), QStringLiteral("Model registry YAML (default: the bundled one)."),
                      QStringLiteral("FILE")});
}

std::optional<ModelRegistry> loadRegistry(const QCommandLineParser& parser)
{
    auto registry = parser.isSet(QStringLiteral("registry"))
                        ? ModelRegistry::loadFile(parser.value(QStringLiteral("registry")).toStdString())
                        : ModelRegistry::loadDefault();
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
        const auto found = WeightStore::find(q(spec.weights.file));
        out() << q(spec.id).leftJustified(idWidth + 2) << q(spec.displayName).leftJustified(nameWidth + 2)
              << (found ? *found : QStringLiteral("missing (%1)").arg(q(spec.weights.file))) << '\n';
    }
    if (std::none_of(registry->models().begin(), registry->models().end(),
                     [](const ModelSpec& spec) { return WeightStore::find(q(spec.weights.file)).has_value(); })) {
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

int commandPredict(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Classify images with one model."));
    addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("IMAGE"), QStringLiteral("Image files to classify."),
                                 QStringLiteral("IMAGE..."));
    parser.addOption(
        {QStringLiteral("model"), QStringLiteral("Model id (see 'convlens-cli models')."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("top-k"), QStringLiteral("Number of classes to show (default 5)."),
                      QStringLiteral("K"), QStringLiteral("5")});
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
    int exitCode = 0;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;

    const QStringList images = parser.positionalArguments();
    if (images.isEmpty() || !parser.isSet(QStringLiteral("model"))) {
        err() << "convlens-cli predict: needs at least one IMAGE and --model ID\n\n" << parser.helpText();
        return 2;
    }
    bool ok = false;
    const int topK = parser.value(QStringLiteral("top-k")).toInt(&ok);
    if (!ok || topK < 1) {
        err() << "convlens-cli predict: --top-k must be a positive whole number, not '"
              << parser.value(QStringLiteral("top-k")) << "'" << Qt::endl;
        return 2;
    }
    const int threads = parser.value(QStringLiteral("threads")).toInt(&ok);
    if (!ok || threads < 0) {
        err() << "convlens-cli predict: --threads must be 0 (all cores) or a positive number, not '"
              << parser.value(QStringLiteral("threads")) << "'" << Qt::endl;
        return 2;
    }
    setInferenceThreads(threads);

    auto registry = loadRegistry(parser);
    if (!registry)
        return 2;
    const std::string modelId = parser.value(QStringLiteral("model")).toStdString();
    const ModelSpec* spec = registry->find(modelId);
    if (!spec) {
        QStringList known;
        for (const ModelSpec& m : registry->models())
            known << q(m.id);
        err() << "convlens-cli predict: unknown model '" << q(modelId)
              << "' (known: " << known.join(QStringLiteral(", ")) << ")" << Qt::endl;
        return 2;
    }

    QString weightsPath;
    if (parser.isSet(QStringLiteral("weights"))) {
        weightsPath = parser.value(QStringLiteral("weights"));
    } else if (!parser.isSet(QStringLiteral("untrained"))) {
        auto located = WeightStore::locate(q(spec->weights.file), q(spec->weights.url));
        if (!located) {
            err() << "convlens-cli: " << q(located.message()) << Qt::endl;
            return 2;
        }
        weightsPath = *located;
    }
    auto predictor = Predictor::create(*spec, weightsPath);
    if (!predictor) {
        err() << "convlens-cli: " << q(predictor.message()) << Qt::endl;
        return 2;
    }
    if (weightsPath.isEmpty())
        err() << "convlens-cli: warning: " << q(spec->id) << " runs with untrained weights; predictions are meaningless"
              << Qt::endl;

    QJsonArray results;
    int failures = 0;
    for (const QString& image : images) {
        QFile file(image);
        if (!file.open(QIODevice::ReadOnly)) {
            err() << "convlens-cli: cannot read " << image << ": " << file.errorString() << Qt::endl;
            results.append(
                QJsonObject{{QStringLiteral("image"), image}, {QStringLiteral("error"), file.errorString()}});
            ++failures;
            continue;
        }
        const QByteArray bytes = file.readAll();
        const QByteArray sha256 = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
        auto decoded = decodeImageData(bytes, image);
        Expected<Prediction> prediction = decoded ? predictor->predict(*decoded, topK) : decoded.error();
        if (!prediction) {
            err() << "convlens-cli: " << q(prediction.message()) << Qt::endl;
            results.append(QJsonObject{{QStringLiteral("image"), image},
                                       {QStringLiteral("sha256"), QString::fromLatin1(sha256)},
                                       {QStringLiteral("error"), q(prediction.message())}});
            ++failures;
            continue;
        }
        out() << image << "  (" << q(spec->displayName) << ")\n";
        for (const ClassScore& score : prediction->top)
            out() << QStringLiteral("  %1%  %2  %3\n")
                         .arg(score.probability * 100.0, 6, 'f', 2)
                         .arg(score.index, 4)
                         .arg(q(score.label));
        out().flush();
        results.append(predictionJson(image, sha256, *spec, weightsPath, *prediction,
                                      parser.isSet(QStringLiteral("full-logits"))));
    }
    if (parser.isSet(QStringLiteral("json")) &&
        !writeJson(parser.value(QStringLiteral("json")), QJsonDocument(results)))
        return 2;
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
    err() << "convlens-cli: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
}

}  // namespace convlens::cli
