// GroundTruth on the bundled registry: ImageNet folders named by WordNet id or by label (in the forms people write
// them) give the class, other names give -1, a user model with 3 classes goes by its labels only; and the bundled
// wnid list itself: 1000 distinct sorted ids that name the same classes as the bundled labels.

#include "core/batch/groundtruth.h"
#include "core/registry/modelregistry.h"

#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace convlens {
namespace {

const ModelRegistry& bundledRegistry()
{
    static const ModelRegistry registry = [] {
        Expected<ModelRegistry> loaded =
            ModelRegistry::loadFile(std::string(CONVLENS_SOURCE_DIR) + "/model_registry.yaml");
        if (!loaded)
            ADD_FAILURE() << loaded.message();
        return loaded ? std::move(loaded).value() : ModelRegistry{};
    }();
    return registry;
}

const ModelSpec& resnet18()
{
    const ModelSpec* spec = bundledRegistry().find("resnet18");
    if (!spec) {
        ADD_FAILURE() << "resnet18 is not in the bundled registry";
        static const ModelSpec none;
        return none;
    }
    return *spec;
}

int labelIndex(const ModelSpec& spec, const std::string& label)
{
    const auto it = std::find(spec.labels.begin(), spec.labels.end(), label);
    return it == spec.labels.end() ? -1 : int(it - spec.labels.begin());
}

// The test's own reading of "the same name": lower case, '_' and '-' as space, spaces collapsed and trimmed.
std::string folded(const std::string& name)
{
    std::string out;
    bool space = false;
    for (char ch : name) {
        if (ch == '_' || ch == '-' || std::isspace(static_cast<unsigned char>(ch))) {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += char(std::tolower(static_cast<unsigned char>(ch)));
    }
    return out;
}

// Sets CONVLENS_DATA_DIR for one scope, restoring what was there.
class DataDirOverride {
public:
    explicit DataDirOverride(const QString& dir)
        : mHad(qEnvironmentVariableIsSet("CONVLENS_DATA_DIR")), mOld(qgetenv("CONVLENS_DATA_DIR"))
    {
        qputenv("CONVLENS_DATA_DIR", dir.toLocal8Bit());
    }
    ~DataDirOverride()
    {
        if (mHad)
            qputenv("CONVLENS_DATA_DIR", mOld);
        else
            qunsetenv("CONVLENS_DATA_DIR");
    }

private:
    bool mHad;
    QByteArray mOld;
};

bool writeFile(const QString& fileName, const QByteArray& data)
{
    QFile file(fileName);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

TEST(GroundTruthTest, BundledWnidsAreTheImageNetClassesInOrder)
{
    Expected<QStringList> wnids = readImageNetWnids();
    ASSERT_TRUE(wnids) << wnids.message();
    ASSERT_EQ(wnids->size(), 1000);
    EXPECT_EQ(wnids->front(), QStringLiteral("n01440764"));
    EXPECT_EQ(wnids->back(), QStringLiteral("n15075141"));
    for (int i = 1; i < wnids->size(); ++i)
        EXPECT_LT(wnids->at(i - 1), wnids->at(i)) << "line " << i + 1;

    // The same classes as the bundled labels, line for line (ImageNet facts, spot-checked across the range).
    const ModelSpec& spec = resnet18();
    ASSERT_EQ(spec.labels.size(), 1000u);
    const std::map<QString, std::string> known = {
        {QStringLiteral("n01440764"), "tench"},
        {QStringLiteral("n02012849"), "crane bird"},
        {QStringLiteral("n02099712"), "Labrador retriever"},
        {QStringLiteral("n02113186"), "Cardigan"},
        {QStringLiteral("n02963159"), "cardigan"},
        {QStringLiteral("n03126707"), "crane"},
        {QStringLiteral("n03710721"), "maillot tank suit"},
        {QStringLiteral("n15075141"), "toilet tissue"},
    };
    for (const auto& [wnid, label] : known) {
        const int index = int(wnids->indexOf(wnid));
        ASSERT_GE(index, 0) << wnid.toStdString();
        EXPECT_EQ(spec.labels[std::size_t(index)], label) << wnid.toStdString();
    }
    EXPECT_EQ(wnids->indexOf(QStringLiteral("n02099712")), 208);
}

TEST(GroundTruthTest, ImageNetFoldersByWnidAndByLabel)
{
    const ModelSpec& spec = resnet18();
    Expected<GroundTruth> truth = GroundTruth::forModel(spec);
    ASSERT_TRUE(truth) << truth.message();
    const int labrador = labelIndex(spec, "Labrador retriever");
    ASSERT_EQ(labrador, 208);

    EXPECT_EQ(truth->truthOf(QStringLiteral("val/n01440764/ILSVRC2012_val_00000293.JPEG")), 0);
    EXPECT_EQ(truth->truthOf(QStringLiteral("/data/imagenet/train/n02099712/n02099712_1.JPEG")), labrador);
    EXPECT_EQ(truth->truthOf(QStringLiteral("N02099712/dog.png")), labrador);
    for (const char* folder : {"Labrador retriever", "labrador retriever", "labrador_retriever", "Labrador-Retriever",
                               "  Labrador  retriever ", "LABRADOR__RETRIEVER"})
        EXPECT_EQ(truth->truthOf(QStringLiteral("dogs/") + QString::fromUtf8(folder) + QStringLiteral("/a.jpg")),
                  labrador)
            << folder;
    EXPECT_EQ(truth->truthOf(QStringLiteral("/home/me/pictures/tench/fish.jpg")), labelIndex(spec, "tench"));
    EXPECT_EQ(truth->truthOf(QStringLiteral("great_white_shark/x.jpg")), labelIndex(spec, "great white shark"));
    EXPECT_EQ(truth->truthOf(QStringLiteral("shih_tzu/x.jpg")), labelIndex(spec, "Shih-Tzu"));
    EXPECT_EQ(truth->classOfFolder(QStringLiteral("Great Dane")), labelIndex(spec, "Great Dane"));

    // Names that say nothing.
    for (const char* path : {"holiday/a.jpg", "a.jpg", "/a.jpg", "n0144076/a.jpg", "n014407640/a.jpg",
                             "x01440764/a.jpg", "tench/holiday/a.jpg", "tenches/a.jpg", "retriever/a.jpg"})
        EXPECT_EQ(truth->truthOf(QString::fromUtf8(path)), -1) << path;
    EXPECT_EQ(truth->classOfFolder(QString()), -1);

    // "Cardigan" (the corgi) and "cardigan" (the sweater) are one name once case is ignored: only wnids tell.
    EXPECT_EQ(truth->classOfFolder(QStringLiteral("cardigan")), -1);
    EXPECT_EQ(truth->classOfFolder(QStringLiteral("Cardigan")), -1);
    EXPECT_EQ(truth->classOfFolder(QStringLiteral("n02113186")), labelIndex(spec, "Cardigan"));
    EXPECT_EQ(truth->classOfFolder(QStringLiteral("n02963159")), labelIndex(spec, "cardigan"));
}

TEST(GroundTruthTest, EveryWnidAndEveryUnambiguousLabelOfEveryBuiltInModel)
{
    Expected<QStringList> wnids = readImageNetWnids();
    ASSERT_TRUE(wnids) << wnids.message();
    ASSERT_FALSE(bundledRegistry().models().empty());
    for (const ModelSpec& spec : bundledRegistry().models()) {
        Expected<GroundTruth> truth = GroundTruth::forModel(spec);
        ASSERT_TRUE(truth) << spec.id << ": " << truth.message();
        ASSERT_EQ(spec.numClasses, 1000) << spec.id;
        std::map<std::string, int> uses;
        for (const std::string& label : spec.labels)
            ++uses[folded(label)];
        int unambiguous = 0;
        for (int i = 0; i < spec.numClasses; ++i) {
            EXPECT_EQ(truth->classOfFolder(wnids->at(i)), i) << spec.id << " " << wnids->at(i).toStdString();
            const std::string& label = spec.labels[std::size_t(i)];
            const int expected = uses[folded(label)] == 1 ? i : -1;
            unambiguous += expected == i;
            EXPECT_EQ(truth->classOfFolder(QString::fromStdString(label)), expected) << spec.id << " " << label;
            std::string underscored = label;
            std::replace(underscored.begin(), underscored.end(), ' ', '_');
            EXPECT_EQ(truth->truthOf(QStringLiteral("root/") + QString::fromStdString(underscored) +
                                     QStringLiteral("/img.jpg")),
                      expected)
                << spec.id << " " << underscored;
        }
        EXPECT_GE(unambiguous, 990) << spec.id;
    }
}

TEST(GroundTruthTest, UserModelWithThreeClassesUsesLabelsOnly)
{
    ModelSpec user = resnet18();
    user.id = "pets3";
    user.numClasses = 3;
    user.labels = {"cat", "dog", "Great Dane"};

    // Its truth never reads the wnid file: it builds even where the data folder has none.
    QTemporaryDir empty;
    ASSERT_TRUE(empty.isValid());
    DataDirOverride override(empty.path());
    Expected<GroundTruth> truth = GroundTruth::forModel(user);
    ASSERT_TRUE(truth) << truth.message();

    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/cat/1.jpg")), 0);
    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/DOG/2.jpg")), 1);
    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/great-dane/3.jpg")), 2);
    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/n02109047/4.jpg")), -1);  // Great Dane's wnid: not this model's
    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/n01440764/5.jpg")), -1);
    EXPECT_EQ(truth->truthOf(QStringLiteral("pets/tench/6.jpg")), -1);

    // The 1000-class model in the same place needs the file and says which one is missing.
    Expected<GroundTruth> imagenet = GroundTruth::forModel(resnet18());
    ASSERT_FALSE(imagenet);
    EXPECT_EQ(imagenet.kind(), ErrorKind::BadInput);
    EXPECT_NE(imagenet.message().find("imagenet1k_wnids.txt"), std::string::npos) << imagenet.message();
}

TEST(GroundTruthTest, MalformedWnidFilesAreRefused)
{
    Expected<QStringList> bundled = readImageNetWnids();
    ASSERT_TRUE(bundled) << bundled.message();
    const QByteArray good = bundled->join(QLatin1Char('\n')).toLatin1() + '\n';

    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString fileName = dir.filePath(QStringLiteral("wnids.txt"));

    // Comments, blank lines, CRLF and a BOM are fine.
    {
        QByteArray data = "\xEF\xBB\xBF# ImageNet-1k\r\n\r\n" + good;
        data.replace("\n", "\r\n");
        ASSERT_TRUE(writeFile(fileName, data));
        Expected<QStringList> read = readImageNetWnids(fileName);
        ASSERT_TRUE(read) << read.message();
        EXPECT_EQ(*read, *bundled);
    }

    QStringList swapped = *bundled;
    swapped.swapItemsAt(10, 11);
    QStringList duplicated = *bundled;
    duplicated[11] = duplicated[10];
    QStringList bad = *bundled;
    bad[500] = QStringLiteral("n0123456x");
    const std::vector<std::pair<const char*, QByteArray>> cases = {
        {"999 ids", bundled->mid(1).join(QLatin1Char('\n')).toLatin1()},
        {"1001 ids", (*bundled + QStringList{QStringLiteral("n99999999")}).join(QLatin1Char('\n')).toLatin1()},
        {"unsorted", swapped.join(QLatin1Char('\n')).toLatin1()},
        {"duplicate", duplicated.join(QLatin1Char('\n')).toLatin1()},
        {"not an id", bad.join(QLatin1Char('\n')).toLatin1()},
        {"synset words", QByteArray("n01440764 tench, Tinca tinca\n")},
        {"empty", QByteArray()},
    };
    for (const auto& [what, data] : cases) {
        ASSERT_TRUE(writeFile(fileName, data)) << what;
        Expected<QStringList> read = readImageNetWnids(fileName);
        ASSERT_FALSE(read) << what;
        EXPECT_EQ(read.kind(), ErrorKind::BadInput) << what;
        EXPECT_NE(read.message().find("wnids.txt"), std::string::npos) << what << ": " << read.message();
    }

    Expected<QStringList> missing = readImageNetWnids(dir.filePath(QStringLiteral("absent.txt")));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.kind(), ErrorKind::BadInput);
    EXPECT_NE(missing.message().find("absent.txt"), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace convlens
