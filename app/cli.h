#pragma once
// convlens-cli: the headless front end. Parses a subcommand and its options and runs it.
// Output goes to stdout; messages a person must act on go to stderr. Main thread only.
//
// Two programs share these commands: convlens-cli (torch-free: models, weights, help) hands predict, analyze,
// batch and merge to convlens-cli-engine, which links LibTorch and runs them over the session layer.

#include <QStringList>

class QCommandLineParser;

namespace convlens::cli {

// Runs the command line (arguments without the program name). Returns the process exit code:
// 0 success, 1 some inputs failed (the others still reported), 2 usage error or nothing could run.
int run(const QStringList& arguments);

// predict, analyze, batch and merge (convlens-cli-engine): `arguments` start with the command word. Same exit
// codes; batch also 3 (some images failed) and 130 (interrupted).
int runAnalysis(const QStringList& arguments);

// batch and merge (app/cli_batch.cpp): `arguments` as runAnalysis passes them to a command.
int runBatchCommand(const QString& command, const QStringList& arguments);

// --threads N for the commands that run models (0, the default: automatic; core/common/threads.h).
void addThreadsOption(QCommandLineParser& parser);
// --device NAME for the commands that run models (convlens-cli-engine; core/common/computedevice.h).
void addDeviceOption(QCommandLineParser& parser);
// Sets the device the option names (default cpu); false after printing why it cannot be used.
bool applyDeviceOption(const QCommandLineParser& parser, const QString& command);

}  // namespace convlens::cli
