#pragma once
// NumPy's .npy format (version 1.0), written here: a little-endian float32 array of any shape in C order, which
// numpy.load reads as is. For taking raw maps and statistics away from ConvLens (issue: "maps you can take away").
//
// Plain C++/Qt; any thread. Failure: writeNpy returns an Error (kind Internal) naming the file.

#include "core/common/expected.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <vector>

namespace convlens {

// The whole file: magic, version 1.0, the header dict ({'descr': '<f4', 'fortran_order': False, 'shape': (…), })
// padded with spaces to a multiple of 64 bytes and ended by a newline, then the data. `values` must hold the
// product of `shape` floats (an empty shape is a scalar: one value); otherwise an empty array is returned.
QByteArray npyBytes(const std::vector<float>& values, const std::vector<int64_t>& shape);

// Writes npyBytes() to `path` (replacing it), through a temporary file renamed into place.
Expected<void> writeNpy(const QString& path, const std::vector<float>& values, const std::vector<int64_t>& shape);

}  // namespace convlens
