#pragma once
// convlens-cli: the headless front end. Parses a subcommand and its options and runs it.
// Output goes to stdout; messages a person must act on go to stderr. Main thread only.

#include <QStringList>

namespace convlens::cli {

// Runs the command line (arguments without the program name). Returns the process exit code:
// 0 success, 1 some inputs failed (the others still reported), 2 usage error or nothing could run.
int run(const QStringList& arguments);

}  // namespace convlens::cli
