// Listing a batch's files and splitting them into shards.
#include "core/batch/batchfiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <set>

#include <sys/stat.h>

namespace convlens {
namespace {

void touch(const QString& path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly)) << path.toStdString();
    file.write("x");
}

QStringList names(const BatchListing& listing)
{
    QStringList result;
    for (const BatchFile& file : listing.files)
        result << file.relative;
    return result;
}

TEST(BatchFilesTest, ListsImagesOfFoldersSortedByBatchName)
{
    QTemporaryDir dir;
    const QString root = dir.filePath(QStringLiteral("photos"));
    touch(root + QStringLiteral("/b.jpg"));
    touch(root + QStringLiteral("/a.PNG"));
    touch(root + QStringLiteral("/notes.txt"));
    touch(root + QStringLiteral("/.hidden.png"));
    touch(root + QStringLiteral("/cats/c.jpg"));
    touch(root + QStringLiteral("/.cache/d.jpg"));

    const BatchListing flat = listBatchFiles({root});
    EXPECT_EQ(names(flat), (QStringList{QStringLiteral("photos/a.PNG"), QStringLiteral("photos/b.jpg")}));
    EXPECT_TRUE(flat.problems.isEmpty());
    EXPECT_EQ(flat.files[0].path, QDir(root).absoluteFilePath(QStringLiteral("a.PNG")));

    const BatchListing deep = listBatchFiles({root}, ListOptions{true, {}});
    EXPECT_EQ(names(deep), (QStringList{QStringLiteral("photos/a.PNG"), QStringLiteral("photos/b.jpg"),
                                        QStringLiteral("photos/cats/c.jpg")}));

    const BatchListing jpegOnly = listBatchFiles({root}, ListOptions{true, {QStringLiteral("jpg")}});
    EXPECT_EQ(names(jpegOnly), (QStringList{QStringLiteral("photos/b.jpg"), QStringLiteral("photos/cats/c.jpg")}));
}

TEST(BatchFilesTest, FilesGivenDirectlyAreTakenWhateverTheirSuffixAndClashingNamesAreMadeUnique)
{
    QTemporaryDir dir;
    touch(dir.filePath(QStringLiteral("one/x.jpg")));
    touch(dir.filePath(QStringLiteral("two/x.jpg")));
    touch(dir.filePath(QStringLiteral("readme.txt")));
    const BatchListing listing = listBatchFiles({dir.filePath(QStringLiteral("one/x.jpg")),
                                                 dir.filePath(QStringLiteral("two/x.jpg")),
                                                 dir.filePath(QStringLiteral("readme.txt")),
                                                 dir.filePath(QStringLiteral("one/x.jpg"))});
    EXPECT_EQ(names(listing),
              (QStringList{QStringLiteral("readme.txt"), QStringLiteral("x (2).jpg"), QStringLiteral("x.jpg")}));
}

TEST(BatchFilesTest, MissingPathsAndEmptyFoldersAreProblemsNotErrors)
{
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath(QStringLiteral("empty")));
    touch(dir.filePath(QStringLiteral("ok.png")));
    const BatchListing listing = listBatchFiles(
        {dir.filePath(QStringLiteral("missing")), dir.filePath(QStringLiteral("empty")), dir.filePath(QStringLiteral("ok.png"))});
    EXPECT_EQ(names(listing), QStringList{QStringLiteral("ok.png")});
    ASSERT_EQ(listing.problems.size(), 2);
    EXPECT_TRUE(listing.problems[0].contains(QStringLiteral("no such file or folder")));
    EXPECT_TRUE(listing.problems[1].contains(QStringLiteral("holds no image files")));
}

TEST(BatchFilesTest, SpecialFilesAreListedSoTheyGetARowAndLinkLoopsEnd)
{
    QTemporaryDir dir;
    const QString root = dir.filePath(QStringLiteral("in"));
    touch(root + QStringLiteral("/a.png"));
    ASSERT_EQ(::mkfifo(QFile::encodeName(root + QStringLiteral("/pipe.png")).constData(), 0600), 0);
    ASSERT_TRUE(QFile::link(root, root + QStringLiteral("/loop")));
    const BatchListing listing = listBatchFiles({root}, ListOptions{true, {}});
    EXPECT_TRUE(names(listing).contains(QStringLiteral("in/pipe.png")));
    EXPECT_TRUE(names(listing).contains(QStringLiteral("in/a.png")));
    EXPECT_LE(listing.files.size(), 4u);  // the loop is entered at most once
}

TEST(BatchFilesTest, ParseShard)
{
    auto shard = parseShard(QStringLiteral("2/5"));
    ASSERT_TRUE(shard);
    EXPECT_EQ(shard->index, 2);
    EXPECT_EQ(shard->count, 5);
    EXPECT_EQ(shard->text(), QStringLiteral("2/5"));
    for (const char* bad : {"5/5", "-1/3", "1", "a/b", "1/0", ""})
        EXPECT_FALSE(parseShard(QString::fromLatin1(bad))) << bad;
    EXPECT_EQ(parseShard(QStringLiteral("3")).kind(), ErrorKind::BadInput);
}

TEST(BatchFilesTest, ShardsCoverEveryFileOnceWhateverTheListingOrder)
{
    std::vector<BatchFile> files;
    for (int i = 0; i < 500; ++i)
        files.push_back({QStringLiteral("/data/%1.jpg").arg(i), QStringLiteral("val/n%1/%2.JPEG").arg(i % 7).arg(i)});
    std::vector<BatchFile> reversed(files.rbegin(), files.rend());
    std::set<QString> seen;
    std::vector<std::size_t> sizes;
    for (int index = 0; index < 3; ++index) {
        const auto share = filesOfShard(files, Shard{index, 3});
        const auto shareReversed = filesOfShard(reversed, Shard{index, 3});
        std::set<QString> a;
        std::set<QString> b;
        for (const BatchFile& file : share)
            a.insert(file.relative);
        for (const BatchFile& file : shareReversed)
            b.insert(file.relative);
        EXPECT_EQ(a, b);
        for (const QString& name : a)
            EXPECT_TRUE(seen.insert(name).second) << name.toStdString() << " in two shards";
        sizes.push_back(share.size());
    }
    EXPECT_EQ(seen.size(), files.size());
    for (std::size_t size : sizes) {  // a hash spreads them: no shard is empty or holds most
        EXPECT_GT(size, 100u);
        EXPECT_LT(size, 240u);
    }
    EXPECT_EQ(filesOfShard(files, Shard{}).size(), files.size());
    // The share is a function of the name alone.
    EXPECT_EQ(shardOf(QStringLiteral("val/n1/1.JPEG"), 3), shardOf(QStringLiteral("val/n1/1.JPEG"), 3));
}

}  // namespace
}  // namespace convlens
