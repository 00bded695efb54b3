// convlens-cli-engine: predict and analyze, started by convlens-cli (which replaces itself with this program), so
// that only these commands pay for loading LibTorch.
#include "app/cli.h"
#include "app/cliio.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    convlens::cli::nameApplication(QStringLiteral(CONVLENS_VERSION));
    return convlens::cli::runAnalysis(QCoreApplication::arguments().mid(1));
}
