#pragma once
// readBoundedFile: the one way ConvLens reads a file a user named (an image, a registry, a labels file). The path
// may stand for anything: a FIFO, /dev/zero, a folder, a sparse multi-GB file. Only a regular file within the
// size limit is opened, and no more than the limit is ever read, whatever the file claims.
//
// Torch-free; any thread. Errors (kind BadInput) start with the name given and say what was wrong and what to do.

#include "core/common/expected.h"

#include <QByteArray>
#include <QString>

namespace convlens {

// What a file is meant to be, for messages: {"an", "image", "images"}, {"a", "model registry", "model registries"}.
struct FileKind {
    QString article;
    QString noun;
    QString plural;
    QString withArticle() const { return article + QLatin1Char(' ') + noun; }
};

// The bytes of the regular file at `path`, at most `maxBytes` (an empty file is an error). `name` starts error
// messages (empty: the path as given).
Expected<QByteArray> readBoundedFile(const QString& path, qint64 maxBytes, const FileKind& kind,
                                     const QString& name = {});

}  // namespace convlens
