#pragma once
// GroundTruth: the class a folder layout says an image is. A folder named with an ImageNet WordNet id
// ("n01440764", as the ILSVRC train and sorted val folders are) or with one of the model's class labels
// ("tench", "Great Dane", "great_dane"; case, '_' and '-' versus ' ' do not matter) makes the images directly in
// it that class. Other folder names say nothing, nor does a label two classes share once normalised (ImageNet has
// "Cardigan" the corgi and "cardigan" the sweater: only their wnids tell them apart). The normalised form: lower
// case, '_' and '-' read as spaces, runs of spaces as one, surrounding spaces trimmed.
//
// The WordNet ids of ImageNet-1k's 1000 classes, in class order, are resources/labels/imagenet1k_wnids.txt (one
// id a line; blank lines and lines starting with '#' are skipped); they apply to models with 1000 classes (every
// built-in model; a user model with another count uses labels only, and its truth never reads the file).
//
// Plain value, torch-free; build once (reads the wnid file), then any thread may call truthOf concurrently.

#include "core/common/expected.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace convlens {

struct ModelSpec;

class GroundTruth {
public:
    // The truth for `spec`'s classes. Fails (BadInput, naming the file) only when the wnid file is unreadable
    // or malformed (not 1000 distinct sorted "n" + 8 digit ids).
    static Expected<GroundTruth> forModel(const ModelSpec& spec);

    // The class of an image at `imagePath` (absolute or relative, '/' separated): its parent folder's name looked
    // up as a wnid, then as a label; -1 when neither or when the path names no folder ("img.jpg").
    int truthOf(const QString& imagePath) const;

    // The folder name → class lookup on its own.
    int classOfFolder(const QString& folderName) const;

private:
    QHash<QString, int> mByName;  // normalised folder name → class
};

// The 1000 ImageNet-1k WordNet ids in class order, read from `fileName` (default: the bundled one).
Expected<QStringList> readImageNetWnids(const QString& fileName = {});

}  // namespace convlens
