#include "app/cli.h"
#include "app/cliio.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    convlens::cli::nameApplication(QStringLiteral(CONVLENS_VERSION));
    return convlens::cli::run(QCoreApplication::arguments().mid(1));
}
