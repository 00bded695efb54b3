#include "app/cli.h"

#include "app/cliio.h"
#include "core/weights/weightdownloader.h"
#include "core/weights/weightsresolver.h"
#include "core/weights/weightstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace convlens::cli {
namespace {

const char* const kUsage =
    "Usage: convlens-cli <command> [options]\n"
    "\n"
    "Commands:\n"
    "  models                          list the models, and where each one's weights were found\n"
    "  predict IMAGE... --model ID     classify images: top-K labels with probabilities\n"
    "  analyze IMAGE... --model ID     predictions, feature-map statistics and CAM heatmaps\n"
    "  batch DIR|FILE... --model ID[,ID...] --out DIR\n"
    "                                  a folder batch: summaries, accuracy, reports (--report),\n"
    "                                  --resume, --shard I/N\n"
    "  merge DIR... --out DIR          join the folders of a sharded batch\n"
    "  weights list|fetch|verify|path  find, download and verify checkpoint files\n"
    "\n"
    "Options:\n"
    "  -h, --help                      this help\n"
    "  --version                       the version of ConvLens\n"
    "\n"
    "Run 'convlens-cli <command> --help' for the options of a command.\n";

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
    const std::vector<ModelSpec>& models = registry->models();

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
        auto spec = registry.require(id.toStdString());
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
        err() << "convlens-cli weights: needs an action: list, fetch, verify or path\n\n"
              << helpText(parser, QStringLiteral("weights"));
        return 2;
    }
    if ((action == QLatin1String("fetch") && ids.isEmpty()) || (action == QLatin1String("path") && ids.size() != 1)) {
        err() << "convlens-cli weights " << action << ": needs " << (action == QLatin1String("path") ? "one" : "a")
              << " model ID" << Qt::endl;
        return 2;
    }
    auto registry = loadRegistry(parser);
    if (!registry)
        return 2;
    if (parser.isSet(QStringLiteral("mirror")))
        WeightDownloader::setMirror(parser.value(QStringLiteral("mirror")));
    auto specs = selectModels(*registry, ids);
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

// The engine program next to this one (build tree, /usr/bin) or in ../libexec/convlens (installed), or "".
QString enginePath()
{
    const QString dir = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {dir + QStringLiteral("/convlens-cli-engine"),
                                     dir + QStringLiteral("/../libexec/convlens/convlens-cli-engine")}) {
        const QFileInfo info(candidate);
        if (info.isFile() && info.isExecutable())
            return info.canonicalFilePath();
    }
    return {};
}

// predict, analyze, batch and merge run in convlens-cli-engine, the program that links LibTorch: this one does not, so that
// `models`, `weights` and --help start in milliseconds instead of the half second libtorch takes to load. The
// engine replaces this process (same pid, streams, signals and exit status).
int runInEngine(const QStringList& arguments)
{
    const QString engine = enginePath();
    if (engine.isEmpty()) {
        err() << "convlens-cli: the analysis engine (convlens-cli-engine) is not installed next to "
              << QCoreApplication::applicationFilePath() << " nor in ../libexec/convlens; reinstall ConvLens"
              << Qt::endl;
        return 2;
    }
    std::vector<QByteArray> storage;
    storage.push_back(QFile::encodeName(engine));
    for (const QString& argument : arguments)
        storage.push_back(argument.toLocal8Bit());
    std::vector<char*> argv;
    for (QByteArray& argument : storage)
        argv.push_back(argument.data());
    argv.push_back(nullptr);
    out().flush();
    err().flush();
    ::execv(argv.front(), argv.data());
    err() << "convlens-cli: cannot start " << engine << ": " << std::strerror(errno) << Qt::endl;
    return 2;
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
    if (command == QLatin1String("weights"))
        return commandWeights(rest);
    if (command == QLatin1String("predict") || command == QLatin1String("analyze") ||
        command == QLatin1String("batch") || command == QLatin1String("merge"))
        return runInEngine(arguments);
    err() << "convlens-cli: unknown command '" << command << "'\n\n" << kUsage;
    return 2;
}

}  // namespace convlens::cli
