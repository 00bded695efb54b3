#include "app/cli.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("convlens-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("ConvLens"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONVLENS_VERSION));
    return convlens::cli::run(QCoreApplication::arguments().mid(1));
}
