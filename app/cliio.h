#pragma once
// What every convlens-cli command shares: its output streams, the common options, option parsing and checking,
// the registry, and JSON output. Main thread only.

#include "core/inspect/analysisresult.h"
#include "core/registry/modelregistry.h"

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QString>
#include <QTextStream>

#include <optional>
#include <string>
#include <vector>

namespace convlens::cli {

// Names the application for both programs (convlens-cli and convlens-cli-engine answer as "convlens-cli", so
// they share one cache folder and one version). Call once the QCoreApplication exists.
void nameApplication(const QString& version);

QTextStream& out();  // results
QTextStream& err();  // messages a person must act on
// Where the human-readable results go: stdout, or stderr when --json - puts the JSON there (so stdout parses).
QTextStream& text(const QCommandLineParser& parser);
// Text that may come from a file (labels, checkpoint keys, messages quoting them) as the terminal may show it:
// control characters escaped ("\x1b"), at most 2,000 characters (the rest counted, not shown).
QString q(const std::string& s);

// --help and --registry FILE.
void addCommonOptions(QCommandLineParser& parser);

// The parser's help text, its usage line naming `command` ("Usage: convlens-cli predict [options] IMAGE...")
// where Qt would name the executable's path (for predict, analyze, batch and merge convlens-cli-engine's).
QString helpText(const QCommandLineParser& parser, const QString& command);

// Parses `arguments` (the command and its options); prints the error or help and returns false when the command
// should not run, with `exitCode` set.
bool parseOrExit(QCommandLineParser& parser, const QStringList& arguments, int& exitCode);

// A positive whole number option (or 0 when `zeroAllowed`), or nullopt after printing what is wrong.
std::optional<int> positiveOption(const QCommandLineParser& parser, const QString& command, const QString& name,
                                  bool zeroAllowed);

// A comma-separated list of heatmap method ids ("none": no methods), or nullopt after printing the unknown one
// with the known ones (`command` names the command in the message).
std::optional<std::vector<std::string>> methodList(const QString& value, const QString& command);

// The method options (--aug-smooth, --eigen-smooth, --ig-steps N, --ig-baseline NAME, --occlusion-window N,
// --occlusion-stride N, --road) of analyze and batch.
void addMethodOptions(QCommandLineParser& parser);
// What they say (MethodOptions' defaults where not given), or nullopt after printing what is wrong.
std::optional<MethodOptions> methodOptions(const QCommandLineParser& parser, const QString& command);

// The bundled models plus the user's own (--registry FILE, else models.yaml in the config folder if present), or
// nullopt after printing why they cannot be loaded.
std::optional<ModelRegistry> loadRegistry(const QCommandLineParser& parser);

// Writes `document` to `path` ("-": standard output); false after printing why it could not.
bool writeJson(const QString& path, const QJsonDocument& document);

}  // namespace convlens::cli
