#include "app/cli.h"
#include "app/cliio.h"
#include "core/common/cpupolicy.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    convlens::applyWaitPolicy(argv);  // first: it may execute the program again (core/common/cpupolicy.h)
    convlens::applyAllocatorPolicy();
    QCoreApplication app(argc, argv);
    convlens::cli::nameApplication(QStringLiteral(CONVLENS_VERSION));
    return convlens::cli::run(QCoreApplication::arguments().mid(1));
}
