#include "app/cliio.h"

#include "core/inspect/methodcatalogue.h"

#include <QCoreApplication>
#include <QFile>

#include <algorithm>

namespace convlens::cli {

void nameApplication(const QString& version)
{
    QCoreApplication::setApplicationName(QStringLiteral("convlens-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("ConvLens"));
    QCoreApplication::setApplicationVersion(version);
}

QString q(const std::string& s)
{
    constexpr int kMaxShown = 2000;
    const QString text = QString::fromStdString(s);
    QString shown;
    int i = 0;
    for (; i < text.size() && shown.size() < kMaxShown; ++i) {
        const QChar c = text[i];
        // Escape sequences in a checkpoint's keys or a registry's names must not drive the terminal.
        if (c.category() == QChar::Other_Control && c != QLatin1Char('\n') && c != QLatin1Char('\t'))
            shown += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            shown += c;
    }
    if (i < text.size())
        shown += QStringLiteral("… (%1 more characters)").arg(text.size() - i);
    return shown;
}

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

QTextStream& text(const QCommandLineParser& parser)
{
    return parser.value(QStringLiteral("json")) == QLatin1String("-") ? err() : out();
}

void addCommonOptions(QCommandLineParser& parser)
{
    parser.addHelpOption();
    parser.addOption({QStringLiteral("registry"),
                      QStringLiteral("Your own models (YAML, schema of model_registry.yaml), added to the bundled ones "
                                     "(default: models.yaml in the config folder, if present)."),
                      QStringLiteral("FILE")});
}

QString helpText(const QCommandLineParser& parser, const QString& command)
{
    QString text = parser.helpText();
    const QString usage = QStringLiteral("Usage: ");
    const qsizetype end = text.indexOf(QStringLiteral(" [options]"));
    if (text.startsWith(usage) && end > 0)
        text.replace(usage.size(), end - usage.size(), QStringLiteral("convlens-cli ") + command);
    return text;
}

bool parseOrExit(QCommandLineParser& parser, const QStringList& arguments, int& exitCode)
{
    // The first argument is "convlens-cli COMMAND".
    const QString command = arguments.value(0).section(QLatin1Char(' '), 1);
    if (!parser.parse(arguments)) {
        err() << "convlens-cli: " << parser.errorText() << "\n\n" << helpText(parser, command);
        exitCode = 2;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << helpText(parser, command);
        exitCode = 0;
        return false;
    }
    return true;
}

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

std::optional<ModelRegistry> loadRegistry(const QCommandLineParser& parser)
{
    auto registry = ModelRegistry::loadWithUser(parser.value(QStringLiteral("registry")).toStdString());
    if (!registry) {
        err() << "convlens-cli: " << q(registry.message()) << Qt::endl;
        return std::nullopt;
    }
    return std::move(registry.value());
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

void addMethodOptions(QCommandLineParser& parser)
{
    const MethodOptions d;
    parser.addOption({QStringLiteral("aug-smooth"),
                      QStringLiteral("Layer CAM methods: average over flips and intensity scalings (pytorch-grad-cam's "
                                     "aug_smooth; six passes).")});
    parser.addOption({QStringLiteral("eigen-smooth"),
                      QStringLiteral("Layer CAM methods: the first principal component of the weighted activations "
                                     "(pytorch-grad-cam's eigen_smooth).")});
    parser.addOption({QStringLiteral("ig-steps"),
                      QStringLiteral("Integrated Gradients: points on the path, 2 to %1 (default %2).")
                          .arg(kMaxIntegratedGradientsSteps)
                          .arg(d.integratedGradientsSteps),
                      QStringLiteral("N"), QString::number(d.integratedGradientsSteps)});
    parser.addOption({QStringLiteral("ig-baseline"),
                      QStringLiteral("Integrated Gradients: where the path starts: black, blurred or mean (default "
                                     "%1).")
                          .arg(QString::fromStdString(d.integratedGradientsBaseline)),
                      QStringLiteral("NAME"), QString::fromStdString(d.integratedGradientsBaseline)});
    parser.addOption({QStringLiteral("occlusion-window"),
                      QStringLiteral("Occlusion: the window's side in pixels of the crop (default %1).")
                          .arg(d.occlusionWindow),
                      QStringLiteral("N"), QString::number(d.occlusionWindow)});
    parser.addOption({QStringLiteral("occlusion-stride"),
                      QStringLiteral("Occlusion: the window's step in pixels (default %1).").arg(d.occlusionStride),
                      QStringLiteral("N"), QString::number(d.occlusionStride)});
    parser.addOption({QStringLiteral("road"),
                      QStringLiteral("Measure ROAD (remove and debias) for every map: 18 imputed images per map.")});
}

std::optional<MethodOptions> methodOptions(const QCommandLineParser& parser, const QString& command)
{
    MethodOptions m;
    m.augSmooth = parser.isSet(QStringLiteral("aug-smooth"));
    m.eigenSmooth = parser.isSet(QStringLiteral("eigen-smooth"));
    m.road = parser.isSet(QStringLiteral("road"));
    const auto steps = positiveOption(parser, command, QStringLiteral("ig-steps"), false);
    const auto window = positiveOption(parser, command, QStringLiteral("occlusion-window"), false);
    const auto stride = positiveOption(parser, command, QStringLiteral("occlusion-stride"), false);
    if (!steps || !window || !stride)
        return std::nullopt;
    if (*steps < 2 || *steps > kMaxIntegratedGradientsSteps) {
        err() << "convlens-cli " << command << ": --ig-steps must be 2 to " << kMaxIntegratedGradientsSteps
              << ", not " << *steps << Qt::endl;
        return std::nullopt;
    }
    m.integratedGradientsSteps = *steps;
    m.occlusionWindow = *window;
    m.occlusionStride = *stride;
    m.integratedGradientsBaseline = parser.value(QStringLiteral("ig-baseline")).trimmed().toLower().toStdString();
    const auto& known = integratedGradientsBaselines();
    if (std::find(known.begin(), known.end(), m.integratedGradientsBaseline) == known.end()) {
        err() << "convlens-cli " << command << ": unknown --ig-baseline '" << q(m.integratedGradientsBaseline)
              << "' (black, blurred, mean)" << Qt::endl;
        return std::nullopt;
    }
    return m;
}

std::optional<std::vector<std::string>> methodList(const QString& value, const QString& command)
{
    std::vector<std::string> methods;
    if (value == QLatin1String("none"))
        return methods;
    for (const QString& method : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const std::string id = method.trimmed().toLower().toStdString();
        if (!findMethod(id)) {
            err() << "convlens-cli " << command << ": unknown method '" << q(id) << "' (known: " << q(methodIdList())
                  << ")" << Qt::endl;
            return std::nullopt;
        }
        methods.push_back(id);
    }
    return methods;
}

}  // namespace convlens::cli
