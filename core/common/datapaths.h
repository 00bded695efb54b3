#pragma once
// Where ConvLens finds its bundled data (model_registry.yaml, resources/). Any thread may call.

#include <QString>

namespace convlens {

// The data directory: $CONVLENS_DATA_DIR if set; else <prefix>/share/convlens of an installed executable (in
// <prefix>/bin or <prefix>/libexec/convlens); else the configured install prefix's; else the source tree the
// program was built from. Never empty.
QString dataDir();

// dataDir() + "/" + relativePath (not checked for existence).
QString dataFile(const QString& relativePath);

}  // namespace convlens
