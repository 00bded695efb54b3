#include "core/report/npy.h"

#include <QSaveFile>
#include <QtEndian>

#include <cstring>

namespace convlens {

QByteArray npyBytes(const std::vector<float>& values, const std::vector<int64_t>& shape)
{
    int64_t count = 1;
    for (int64_t size : shape) {
        if (size < 0)
            return {};
        count *= size;
    }
    if (count != static_cast<int64_t>(values.size()))
        return {};
    // NumPy's tuple syntax: "()", "(3,)", "(3, 4)".
    QByteArray dims;
    for (size_t i = 0; i < shape.size(); ++i)
        dims += (i > 0 ? ", " : "") + QByteArray::number(static_cast<qlonglong>(shape[i]));
    if (shape.size() == 1)
        dims += ',';
    QByteArray header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic (6) + version (2) + header length (2) + header + '\n', a multiple of 64.
    const qsizetype unpadded = 10 + header.size() + 1;
    header += QByteArray((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    QByteArray bytes("\x93NUMPY\x01\x00", 8);
    char length[2];
    qToLittleEndian<quint16>(static_cast<quint16>(header.size()), length);
    bytes.append(length, 2);
    bytes += header;
    const qsizetype offset = bytes.size();
    bytes.resize(offset + static_cast<qsizetype>(values.size() * sizeof(float)));
    char* out = bytes.data() + offset;
    for (float v : values) {
        qToLittleEndian<float>(v, out);
        out += sizeof(float);
    }
    return bytes;
}

Expected<void> writeNpy(const QString& path, const std::vector<float>& values, const std::vector<int64_t>& shape)
{
    const QByteArray bytes = npyBytes(values, shape);
    if (bytes.isEmpty())
        return makeError(ErrorKind::Internal,
                         path.toStdString() + ": the array's values do not match its shape (internal error)");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return makeError(ErrorKind::Internal,
                         "cannot write " + path.toStdString() + ": " + file.errorString().toStdString());
    return {};
}

}  // namespace convlens
