#include "core/common/datapaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace convlens {

QString dataDir()
{
    const QString fromEnv = qEnvironmentVariable("CONVLENS_DATA_DIR");
    if (!fromEnv.isEmpty())
        return QDir::cleanPath(fromEnv);
    // An installed executable lives in <prefix>/bin, or <prefix>/libexec/convlens (convlens-cli-engine); its data
    // in <prefix>/share/convlens. applicationDirPath() needs a QCoreApplication, which tests and the CLI may not
    // have created.
    if (QCoreApplication::instance()) {
        for (const char* up : {"/../share/convlens", "/../../share/convlens"}) {
            const QString installed = QCoreApplication::applicationDirPath() + QLatin1String(up);
            if (QFileInfo::exists(installed + QStringLiteral("/model_registry.yaml")))
                return QDir::cleanPath(installed);
        }
    }
    const QString installed = QStringLiteral(CONVLENS_INSTALL_DATA_DIR);
    if (QFileInfo::exists(installed + QStringLiteral("/model_registry.yaml")))
        return installed;
    return QStringLiteral(CONVLENS_SOURCE_DATA_DIR);
}

QString dataFile(const QString& relativePath)
{
    return dataDir() + QLatin1Char('/') + relativePath;
}

}  // namespace convlens
