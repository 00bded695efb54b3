#pragma once
// The files of a folder batch: which files a batch covers (folders listed, recursively when asked, filtered by
// image type), the name each file has in the batch's summaries, and which shard of a split run takes it.
//
// Torch-free, any thread, pure functions except listBatchFiles (reads directories).

#include "core/common/expected.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace convlens {

struct BatchFile {
    QString path;      // absolute path, native separators not applied
    QString relative;  // the file's name in the batch: for a file found in folder F, "F's name/sub/dir/file.jpg"
                       // ('/'-separated); for a file given directly, its file name. Unique within a listing
                       // (a clash gets " (2)", " (3)" before the suffix). The key of summaries, resume and shards.
    bool operator==(const BatchFile&) const = default;
};

struct ListOptions {
    bool recursive = false;
    // File suffixes taken from folders, lower case without the dot ("jpg", "png"); empty: every format Qt can read
    // (QImageReader::supportedImageFormats). Files given directly are always taken, whatever their suffix.
    QStringList suffixes;
};

struct BatchListing {
    std::vector<BatchFile> files;  // sorted by `relative` (byte order of UTF-8), so every listing agrees
    QStringList problems;          // "PATH: no such file or folder", "PATH: the folder holds no image files"
};

// Lists the files of `paths` (files and folders, in any order). Hidden files and folders are skipped; symbolic
// links are followed once, never into a loop; special files (FIFOs, devices) are left to readImageFile, which
// rejects them with a message, so they get a failed row rather than disappearing.
BatchListing listBatchFiles(const QStringList& paths, const ListOptions& options = {});

// The suffixes Qt can read, lower case (what ListOptions::suffixes defaults to).
QStringList readableImageSuffixes();

// One share of a split run: the files whose shard index is `index`, out of `count`.
struct Shard {
    int index = 0;
    int count = 1;
    bool isWhole() const { return count == 1; }
    QString text() const { return QStringLiteral("%1/%2").arg(index).arg(count); }
};

// "I/N" with 0 <= I < N; an error (BadInput) saying what is wrong otherwise.
Expected<Shard> parseShard(const QString& text);

// The shard (0..count-1) that takes the file named `relative`: the first 8 bytes of sha256(relative, UTF-8) as a
// big-endian integer, modulo count. Stable across machines, listing order and runs.
int shardOf(const QString& relative, int count);

// The files of `files` that `shard` takes, in their order.
std::vector<BatchFile> filesOfShard(const std::vector<BatchFile>& files, const Shard& shard);

}  // namespace convlens
