// The .npy writer: NumPy's header, byte for byte as numpy.save writes it, and the data little-endian in C order.
// (tests/cli/check_cli.py reads real exported arrays back with numpy.)
#include "core/report/npy.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtEndian>

#include <gtest/gtest.h>

namespace convlens {
namespace {

QByteArray headerOf(const QByteArray& bytes)
{
    const quint16 length = qFromLittleEndian<quint16>(bytes.constData() + 8);
    return bytes.mid(10, length);
}

TEST(Npy, HeaderAsNumpyWritesItAlignedTo64Bytes)
{
    const QByteArray two = npyBytes({1, 2, 3, 4, 5, 6}, {2, 3});
    ASSERT_FALSE(two.isEmpty());
    EXPECT_EQ(two.left(8), QByteArray("\x93NUMPY\x01\x00", 8));
    const QByteArray header = headerOf(two);
    EXPECT_TRUE(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")) << header.data();
    EXPECT_TRUE(header.endsWith('\n'));
    EXPECT_EQ((10 + header.size()) % 64, 0);
    EXPECT_EQ(two.size(), 10 + header.size() + 6 * 4);
    // The data follows, little-endian floats in C order.
    EXPECT_EQ(qFromLittleEndian<float>(two.constData() + 10 + header.size() + 5 * 4), 6.0f);

    EXPECT_TRUE(headerOf(npyBytes({1, 2, 3}, {3})).contains("'shape': (3,)"));
    EXPECT_TRUE(headerOf(npyBytes({7}, {})).contains("'shape': ()"));
    EXPECT_TRUE(headerOf(npyBytes({}, {0, 5})).contains("'shape': (0, 5)"));
}

TEST(Npy, AShapeThatDoesNotMatchTheValuesIsRefused)
{
    EXPECT_TRUE(npyBytes({1, 2, 3}, {2, 2}).isEmpty());
    EXPECT_TRUE(npyBytes({1, 2}, {-1, -2}).isEmpty());
    QTemporaryDir dir;
    const Expected<void> bad = writeNpy(dir.filePath(QStringLiteral("a.npy")), {1, 2, 3}, {2, 2});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("a.npy"), std::string::npos);
    const Expected<void> noFolder = writeNpy(QStringLiteral("/proc/no/such/folder/b.npy"), {1}, {1});
    ASSERT_FALSE(noFolder.ok());
    EXPECT_NE(noFolder.message().find("b.npy"), std::string::npos) << noFolder.message();
    ASSERT_TRUE(writeNpy(dir.filePath(QStringLiteral("c.npy")), {1, 2}, {2}).ok());
    QFile written(dir.filePath(QStringLiteral("c.npy")));
    ASSERT_TRUE(written.open(QIODevice::ReadOnly));
    EXPECT_EQ(written.readAll(), npyBytes({1, 2}, {2}));
}

}  // namespace
}  // namespace convlens
