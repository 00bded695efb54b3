#include "app/cliio.h"

#include "core/inspect/methodcatalogue.h"

#include <QCoreApplication>
#include <QFile>

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
