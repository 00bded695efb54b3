#include "core/batch/groundtruth.h"

#include "core/common/datapaths.h"
#include "core/registry/modelspec.h"

#include <QDir>
#include <QFile>
#include <QSet>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kImageNetClasses = 1000;
constexpr qint64 kMaxWnidFileBytes = 1 << 20;  // the real file is 10 KB; anything near this is not a wnid list

// Folder names as people write them: "Great_Dane", "great-dane", " great dane " are one name.
QString normalised(const QString& name)
{
    QString text = name.toLower();
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    text.replace(QLatin1Char('-'), QLatin1Char(' '));
    return text.simplified();
}

bool isWnid(const QString& text)
{
    if (text.size() != 9 || text.at(0) != QLatin1Char('n'))
        return false;
    for (int i = 1; i < text.size(); ++i)
        if (text.at(i) < QLatin1Char('0') || text.at(i) > QLatin1Char('9'))
            return false;
    return true;
}

}  // namespace

Expected<QStringList> readImageNetWnids(const QString& fileName)
{
    const QString path =
        fileName.isEmpty() ? dataFile(QStringLiteral("resources/labels/imagenet1k_wnids.txt")) : fileName;
    const std::string shown = QDir::toNativeSeparators(path).toStdString();
    const auto bad = [&shown](const std::string& what) {
        return makeError(ErrorKind::BadInput,
                         shown + ": " + what + " (expected the 1000 ImageNet-1k WordNet ids, one per line, sorted; " +
                             "reinstall ConvLens or restore the file)");
    };

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return bad("cannot read: " + file.errorString().toStdString());
    if (file.size() > kMaxWnidFileBytes)
        return bad("file of " + std::to_string(file.size()) + " bytes is too large");
    QByteArray data = file.readAll();
    if (data.startsWith("\xEF\xBB\xBF"))
        data.remove(0, 3);

    QStringList ids;
    ids.reserve(kImageNetClasses);
    QSet<QString> seen;
    const QList<QByteArray> lines = data.split('\n');
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = QString::fromLatin1(lines[i]).trimmed();
        // Blank lines (the final newline) and '#' comments carry no id.
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const std::string where = "line " + std::to_string(i + 1);
        if (!isWnid(line))
            return bad(where + ": '" + line.left(40).toStdString() + "' is not a WordNet id like n01440764");
        if (seen.contains(line))
            return bad(where + ": " + line.toStdString() + " appears twice");
        if (!ids.isEmpty() && line < ids.back())
            return bad(where + ": " + line.toStdString() + " comes after " + ids.back().toStdString() +
                       " (class order is sorted)");
        seen.insert(line);
        ids.append(line);
    }
    if (ids.size() != kImageNetClasses)
        return bad("has " + std::to_string(ids.size()) + " ids");
    return ids;
}

Expected<GroundTruth> GroundTruth::forModel(const ModelSpec& spec)
{
    GroundTruth truth;
    // Only the 1000-class ImageNet head shares the wnids' class order.
    if (spec.numClasses == kImageNetClasses) {
        Expected<QStringList> wnids = readImageNetWnids();
        if (!wnids)
            return wnids.error();
        for (int i = 0; i < wnids->size(); ++i)
            truth.mByName.insert(wnids->at(i), i);
    }
    // A label two classes share once normalised (ImageNet's "Cardigan" the corgi and "cardigan" the sweater) says
    // nothing: guessing one would count right answers as wrong.
    QSet<QString> ambiguous;
    const int count = std::min<int>(spec.numClasses, int(spec.labels.size()));
    for (int i = 0; i < count; ++i) {
        const QString name = normalised(QString::fromStdString(spec.labels[std::size_t(i)]));
        if (name.isEmpty() || ambiguous.contains(name))
            continue;
        if (isWnid(name) && truth.mByName.contains(name))
            continue;  // a wnid stays a wnid
        if (truth.mByName.contains(name)) {
            truth.mByName.remove(name);
            ambiguous.insert(name);
            continue;
        }
        truth.mByName.insert(name, i);
    }
    return truth;
}

int GroundTruth::classOfFolder(const QString& folderName) const
{
    return mByName.value(normalised(folderName), -1);
}

int GroundTruth::truthOf(const QString& imagePath) const
{
    const QString path = QDir::fromNativeSeparators(imagePath);
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    if (slash <= 0)
        return -1;  // no folder named in the path
    const qsizetype start = path.lastIndexOf(QLatin1Char('/'), slash - 1) + 1;
    return classOfFolder(path.mid(start, slash - start));
}

}  // namespace convlens
