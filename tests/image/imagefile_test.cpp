// readImageFile refuses what stands behind a path before reading it: folders, devices, FIFOs, oversized and
// sparse files; readThumbnail gives a small upright preview or nothing.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QTemporaryDir>

#include <sys/stat.h>

#include "core/image/imagefile.h"

namespace convlens {
namespace {

QString writePng(const QString& dir, int width, int height)
{
    QImage image(width, height, QImage::Format_RGB888);
    image.fill(QColor(200, 40, 10));
    const QString path = dir + QStringLiteral("/photo.png");
    EXPECT_TRUE(image.save(path));
    return path;
}

TEST(ImageFile, ReadsARegularFileWhole)
{
    QTemporaryDir dir;
    const QString path = writePng(dir.path(), 20, 10);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const Expected<QByteArray> bytes = readImageFile(path);
    ASSERT_TRUE(bytes.ok()) << bytes.message();
    EXPECT_EQ(*bytes, file.readAll());
}

TEST(ImageFile, RefusesSpecialFilesBeforeReadingThem)
{
    QTemporaryDir dir;
    const QString fifo = dir.path() + QStringLiteral("/pipe.png");
    ASSERT_EQ(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    // Each of these would block or never end if it were opened and read.
    for (const QString& path : {QStringLiteral("/dev/zero"), fifo, dir.path()}) {
        const Expected<QByteArray> bytes = readImageFile(path);
        ASSERT_FALSE(bytes.ok()) << path.toStdString();
        EXPECT_EQ(bytes.kind(), ErrorKind::BadInput);
        EXPECT_EQ(bytes.message().rfind(path.toStdString() + ": ", 0), 0u) << bytes.message();
    }
    EXPECT_NE(readImageFile(fifo).message().find("not a regular file"), std::string::npos);
    EXPECT_NE(readImageFile(dir.path()).message().find("folder"), std::string::npos);
}

TEST(ImageFile, RefusesOversizedAndSparseFilesByTheirSize)
{
    QTemporaryDir dir;
    const QString sparse = dir.path() + QStringLiteral("/huge.jpg");
    QFile file(sparse);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    ASSERT_TRUE(file.resize(3LL << 30));  // 3 GiB of holes: no disk used, and never read
    file.close();
    const Expected<QByteArray> bytes = readImageFile(sparse, DecodeLimits{}, QStringLiteral("huge.jpg"));
    ASSERT_FALSE(bytes.ok());
    EXPECT_EQ(bytes.message().rfind("huge.jpg: the file is 3072.0 MiB, over the 256.0 MiB limit", 0), 0u)
        << bytes.message();

    const QString small = writePng(dir.path(), 64, 64);
    DecodeLimits tight;
    tight.maxFileBytes = 16;
    EXPECT_FALSE(readImageFile(small, tight).ok());
}

TEST(ImageFile, NamesMissingAndEmptyFiles)
{
    QTemporaryDir dir;
    const Expected<QByteArray> missing = readImageFile(dir.path() + QStringLiteral("/none.png"), {},
                                                       QStringLiteral("none.png"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.message(), "none.png: no such file; check the path");
    const QString empty = dir.path() + QStringLiteral("/empty.png");
    QFile file(empty);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.close();
    const Expected<QByteArray> read = readImageFile(empty);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.message().find("empty"), std::string::npos);
}

TEST(ImageFile, ThumbnailKeepsTheAspectAndFailsQuietly)
{
    QTemporaryDir dir;
    const QImage thumb = readThumbnail(writePng(dir.path(), 400, 200), QSize(48, 48));
    EXPECT_EQ(thumb.size(), QSize(48, 24));
    EXPECT_TRUE(readThumbnail(QStringLiteral("/dev/zero"), QSize(48, 48)).isNull());
    EXPECT_TRUE(readThumbnail(dir.path() + QStringLiteral("/none.png"), QSize(48, 48)).isNull());
}

}  // namespace
}  // namespace convlens
