#include "core/weights/checkpoint.h"

#include "core/weights/unpickler.h"

#include <c10/core/CPUAllocator.h>
#include <caffe2/serialize/inline_container.h>
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace convlens {

namespace {

using Kind = PickleValue::Kind;

// torch.serialization.MAGIC_NUMBER, 0x1950a86a20f9469cfc6c, as the little-endian bytes of its LONG1.
constexpr unsigned char kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocolVersion = 1001;
constexpr uint64_t kMaxSafetensorsHeader = 100u * 1024 * 1024;
// Inflate budgets: the largest official checkpoint (EfficientNet-B7) is 255 MB, its largest record under 100 MB.
constexpr uint64_t kMaxZipRecordBytes = 1024ull << 20;
constexpr uint64_t kMaxZipTotalBytes = 2048ull << 20;
constexpr uint64_t kMaxZipDirectory = 64ull << 20;

std::string describe(const std::string& path)
{
    return "checkpoint " + path;
}

Expected<std::string> readWholeFile(const std::string& path)
{
    // Legacy and safetensors files are read whole: a sparse or giant file is refused by its size first.
    std::error_code error;
    const uint64_t size = std::filesystem::file_size(path, error);
    if (!error && size > kMaxZipTotalBytes) {
        return makeError(ErrorKind::Weights, describe(path) + " is " + std::to_string(size >> 20) + " MiB, over the " +
                                                 std::to_string(kMaxZipTotalBytes >> 20) +
                                                 " MiB any checkpoint holds; it is not a checkpoint ConvLens reads");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(ErrorKind::Weights, "cannot open " + describe(path) + " (does it exist, is it readable?)");
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return makeError(ErrorKind::Weights, "error while reading " + describe(path));
    }
    return data;
}

// a * b + c with overflow detection; false when the result does not fit.
bool mulAdd(int64_t a, int64_t b, int64_t c, int64_t& out)
{
    int64_t product = 0;
    return !__builtin_mul_overflow(a, b, &product) && !__builtin_add_overflow(product, c, &out);
}

std::string shapeText(const std::vector<int64_t>& values)
{
    std::string text = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) {
            text += ',';
        }
        text += std::to_string(values[i]);
    }
    return text + "]";
}

// Storage bytes needed for `ref`'s declared elements, or an error.
Expected<int64_t> storageBytes(const std::string& path, const StorageRef& ref)
{
    int64_t bytes = 0;
    if (!mulAdd(ref.numel, static_cast<int64_t>(c10::elementSize(ref.dtype)), 0, bytes)) {
        return makeError(ErrorKind::Weights, describe(path) + " declares an impossibly large storage '" + ref.key + "'");
    }
    return bytes;
}

// Checks that every element `ref` addresses lies inside its storage, then makes the tensor over it.
Expected<torch::Tensor> makeTensor(const std::string& path, const std::string& name, const TensorRef& ref,
                                   const std::map<std::string, c10::Storage>& storages)
{
    const std::string what = describe(path) + ": tensor '" + name + "'";
    const auto it = storages.find(ref.storage.key);
    if (it == storages.end()) {
        return makeError(ErrorKind::Weights, what + " uses storage '" + ref.storage.key + "', which the file does not hold");
    }
    if (ref.sizes.size() != ref.strides.size() || ref.sizes.size() > 64) {
        return makeError(ErrorKind::Weights, what + " has sizes " + shapeText(ref.sizes) + " and strides " + shapeText(ref.strides) +
                         " of different or absurd lengths");
    }
    int64_t base = 0;
    if (ref.storageOffset < 0 || !mulAdd(1, ref.storageOffset, ref.storage.viewOffset, base)) {
        return makeError(ErrorKind::Weights, what + " has invalid storage offset " + std::to_string(ref.storageOffset));
    }
    const int64_t limit =
        ref.storage.viewNumel >= 0 ? ref.storage.viewOffset + ref.storage.viewNumel : ref.storage.numel;
    int64_t numel = 1;
    int64_t last = base;
    for (size_t d = 0; d < ref.sizes.size(); ++d) {
        if (ref.sizes[d] < 0 || ref.strides[d] < 0) {
            return makeError(ErrorKind::Weights, what + " has negative sizes or strides " + shapeText(ref.sizes) + " / " +
                             shapeText(ref.strides));
        }
        if (!mulAdd(numel, ref.sizes[d], 0, numel)) {
            return makeError(ErrorKind::Weights, what + " has an impossibly large shape " + shapeText(ref.sizes));
        }
        if (ref.sizes[d] > 0 && !mulAdd(ref.sizes[d] - 1, ref.strides[d], last, last)) {
            return makeError(ErrorKind::Weights, what + " has impossibly large strides " + shapeText(ref.strides));
        }
    }
    const bool fits = numel == 0 ? base <= limit : last < limit;
    if (!fits) {
        return makeError(ErrorKind::Weights, what + " of shape " + shapeText(ref.sizes) + ", strides " + shapeText(ref.strides) +
                         " and offset " + std::to_string(ref.storageOffset) + " reaches outside its storage '" +
                         ref.storage.key + "' of " + std::to_string(limit) + " elements (corrupted file)");
    }
    auto tensor = torch::empty({0}, torch::TensorOptions().dtype(ref.storage.dtype));
    tensor.set_(it->second, base, ref.sizes, ref.strides);
    return tensor;
}

// The dict that holds the weights: the top-level object, or its "state_dict"/"model" entry.
Expected<PickleValuePtr> unwrapStateDict(const std::string& path, PickleValuePtr value)
{
    for (int depth = 0; depth < 4; ++depth) {
        if (value->kind != Kind::Dict) {
            return makeError(ErrorKind::Weights, describe(path) + " holds a " +
                             std::string(value->kind == Kind::Tensor ? "single tensor" : "non-dict object") +
                             ", not a state_dict");
        }
        PickleValuePtr inner = value->find("state_dict");
        if (!inner || inner->kind != Kind::Dict) {
            inner = value->find("model");
        }
        if (!inner || inner->kind != Kind::Dict) {
            return value;
        }
        value = inner;
    }
    return value;
}

Expected<StateDict> stateDictFromPickle(const std::string& path, const PickleValuePtr& root,
                                        const std::map<std::string, c10::Storage>& storages)
{
    auto dict = unwrapStateDict(path, root);
    if (!dict) {
        return dict.error();
    }
    StateDict result;
    for (const auto& [key, value] : (*dict)->entries) {
        if (key->kind != Kind::String) {
            return makeError(ErrorKind::Weights, describe(path) + " has a state_dict key that is not a string");
        }
        if (value->kind != Kind::Tensor) {
            return makeError(ErrorKind::Weights, describe(path) + ": state_dict entry '" + key->text + "' is not a tensor");
        }
        auto tensor = makeTensor(path, key->text, value->tensor, storages);
        if (!tensor) {
            return tensor.error();
        }
        result.emplace_back(key->text, std::move(*tensor));
    }
    return result;
}

void swapBytes(c10::Storage& storage, size_t elementSize)
{
    auto* bytes = static_cast<char*>(storage.data());
    for (size_t i = 0; i + elementSize <= storage.nbytes(); i += elementSize) {
        std::reverse(bytes + i, bytes + i + elementSize);
    }
}

// What one record of a zip archive holds, from its central directory entry.
struct ZipRecord {
    uint64_t compressedSize = 0;
    uint64_t size = 0;  // inflated
    uint16_t method = 0;
};

uint64_t littleEndian(const unsigned char* bytes, int size)
{
    uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

// The records of the zip archive `path`, read from its own central directory before PyTorchStreamReader (whose
// errors are miniz's) sees the file: a truncated or lying directory, names outside one top folder, duplicates and
// records over the inflate budgets are refused here with a message naming the problem. Never allocates more than
// the directory's size (at most kMaxZipDirectory).
Expected<std::map<std::string, ZipRecord>> readZipDirectory(const std::string& path)
{
    const std::string bad = describe(path) + " could not be read as a torch.save zip archive: ";
    std::ifstream in(path, std::ios::binary);
    std::error_code error;
    const uint64_t fileSize = std::filesystem::file_size(path, error);
    if (!in || error) {
        return makeError(ErrorKind::Weights, "cannot open " + describe(path) + " (does it exist, is it readable?)");
    }
    auto readAt = [&](uint64_t offset, uint64_t size, std::string& out) {
        out.assign(size, '\0');
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(out.data(), static_cast<std::streamsize>(size));
        return static_cast<uint64_t>(in.gcount()) == size;
    };
    // The end-of-directory record: 22 bytes plus a comment of up to 65535 bytes, at the end of the file.
    const uint64_t tailSize = std::min<uint64_t>(fileSize, 22 + 65535 + 20);
    std::string tail;
    if (fileSize < 22 || !readAt(fileSize - tailSize, tailSize, tail)) {
        return makeError(ErrorKind::Weights, bad + "it is too short to hold a zip directory (truncated?)");
    }
    const auto* t = reinterpret_cast<const unsigned char*>(tail.data());
    int64_t end = static_cast<int64_t>(tailSize) - 22;
    while (end >= 0 && littleEndian(t + end, 4) != 0x06054b50) {
        --end;
    }
    if (end < 0) {
        return makeError(ErrorKind::Weights,
                         bad + "it has no zip directory at its end; the file is truncated or corrupt");
    }
    uint64_t count = littleEndian(t + end + 10, 2);
    uint64_t directorySize = littleEndian(t + end + 12, 4);
    uint64_t directoryOffset = littleEndian(t + end + 16, 4);
    const uint64_t endOffset = fileSize - tailSize + static_cast<uint64_t>(end);
    if (count == 0xffff || directorySize == 0xffffffff || directoryOffset == 0xffffffff) {
        // zip64: a locator just before the end record points at the zip64 end record.
        std::string locator, record;
        if (endOffset < 20 || !readAt(endOffset - 20, 20, locator) ||
            littleEndian(reinterpret_cast<const unsigned char*>(locator.data()), 4) != 0x07064b50) {
            return makeError(ErrorKind::Weights, bad + "its zip64 directory locator is missing; the file is corrupt");
        }
        const uint64_t recordOffset = littleEndian(reinterpret_cast<const unsigned char*>(locator.data()) + 8, 8);
        if (recordOffset > fileSize - 56 || !readAt(recordOffset, 56, record) ||
            littleEndian(reinterpret_cast<const unsigned char*>(record.data()), 4) != 0x06064b50) {
            return makeError(ErrorKind::Weights, bad + "its zip64 directory record is missing; the file is corrupt");
        }
        const auto* r = reinterpret_cast<const unsigned char*>(record.data());
        count = littleEndian(r + 32, 8);
        directorySize = littleEndian(r + 40, 8);
        directoryOffset = littleEndian(r + 48, 8);
    }
    if (directoryOffset > endOffset || directorySize > endOffset - directoryOffset) {
        return makeError(ErrorKind::Weights, bad +
                                                 "its zip directory points past the end of the file; the file is "
                                                 "truncated or corrupt");
    }
    if (directorySize > kMaxZipDirectory || count > directorySize / 46) {
        return makeError(ErrorKind::Weights, bad + "its zip directory claims " + std::to_string(count) +
                                                 " records, more than it can hold; the file is corrupt");
    }
    std::string directory;
    if (!readAt(directoryOffset, directorySize, directory)) {
        return makeError(ErrorKind::Weights, bad + "its zip directory cannot be read; the file is truncated");
    }
    const auto* d = reinterpret_cast<const unsigned char*>(directory.data());
    std::map<std::string, ZipRecord> records;
    std::string top;
    uint64_t total = 0;
    uint64_t at = 0;
    for (uint64_t i = 0; i < count; ++i) {
        if (directorySize - at < 46 || littleEndian(d + at, 4) != 0x02014b50) {
            return makeError(ErrorKind::Weights,
                             bad + "its zip directory is corrupt (entry " + std::to_string(i + 1) + ")");
        }
        ZipRecord record;
        record.method = static_cast<uint16_t>(littleEndian(d + at + 10, 2));
        record.compressedSize = littleEndian(d + at + 20, 4);
        record.size = littleEndian(d + at + 24, 4);
        const uint64_t nameLength = littleEndian(d + at + 28, 2);
        const uint64_t extraLength = littleEndian(d + at + 30, 2);
        const uint64_t commentLength = littleEndian(d + at + 32, 2);
        uint64_t localOffset = littleEndian(d + at + 42, 4);
        if (directorySize - at - 46 < nameLength + extraLength + commentLength) {
            return makeError(ErrorKind::Weights,
                             bad + "its zip directory is corrupt (entry " + std::to_string(i + 1) + ")");
        }
        const std::string name(reinterpret_cast<const char*>(d + at + 46), nameLength);
        // The zip64 extra field holds, in this order, whichever of the three values are 0xffffffff above.
        for (uint64_t e = 0; e + 4 <= extraLength;) {
            const unsigned char* field = d + at + 46 + nameLength + e;
            const uint64_t id = littleEndian(field, 2);
            const uint64_t length = std::min<uint64_t>(littleEndian(field + 2, 2), extraLength - e - 4);
            if (id == 1) {
                uint64_t f = 4;
                for (uint64_t* value : {&record.size, &record.compressedSize, &localOffset}) {
                    if (*value == 0xffffffff && f + 8 <= length + 4) {
                        *value = littleEndian(field + f, 8);
                        f += 8;
                    }
                }
            }
            e += 4 + length;
        }
        at += 46 + nameLength + extraLength + commentLength;

        const std::string quoted = "'" + (name.size() > 80 ? name.substr(0, 80) + "…" : name) + "'";
        const size_t slash = name.find('/');
        const std::string folder = slash == std::string::npos ? std::string() : name.substr(0, slash);
        if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos ||
            name.find("../") != std::string::npos || name.find("/..") != std::string::npos || folder.empty() ||
            folder == "..") {
            return makeError(ErrorKind::Weights, bad + "it holds a record named " + quoted +
                                                     ", outside the one top folder torch.save writes");
        }
        if (i == 0) {
            top = folder;
        } else if (folder != top) {
            return makeError(ErrorKind::Weights, bad + "its records lie in different top folders ('" + top + "', '" +
                                                     folder + "'); torch.save writes one");
        }
        if (record.method != 0 && record.method != 8) {
            return makeError(ErrorKind::Weights, bad + "record " + quoted + " uses zip compression method " +
                                                     std::to_string(record.method) +
                                                     " (only stored and deflated records are read)");
        }
        if (localOffset > directoryOffset || record.compressedSize > directoryOffset - localOffset ||
            (record.method == 0 && record.size != record.compressedSize)) {
            return makeError(ErrorKind::Weights, bad + "record " + quoted +
                                                     " lies outside the file's data; the file is "
                                                     "truncated or its zip directory lies");
        }
        // Deflate cannot shrink data more than 1032:1; a record claiming more is a lie the inflater would chase.
        if (record.size > kMaxZipRecordBytes ||
            (record.method == 8 && record.size / 1032 > record.compressedSize + 1)) {
            return makeError(ErrorKind::Weights, bad + "record " + quoted + " would inflate to " +
                                                     std::to_string(record.size) + " bytes, over the " +
                                                     std::to_string(kMaxZipRecordBytes >> 20) +
                                                     " MiB a checkpoint's record may hold (a zip bomb?)");
        }
        total += record.size;
        if (total > kMaxZipTotalBytes) {
            return makeError(ErrorKind::Weights, bad + "its records would inflate to more than " +
                                                     std::to_string(kMaxZipTotalBytes >> 20) +
                                                     " MiB in all, more than any checkpoint holds (a zip bomb?)");
        }
        if (!records.emplace(name, record).second) {
            return makeError(ErrorKind::Weights, bad + "it holds two records named " + quoted);
        }
    }
    if (!records.count(top + "/version") && !records.count(top + "/.data/version")) {
        return makeError(ErrorKind::Weights, bad +
                                                 "it lacks the version record every torch.save archive has (a zip "
                                                 "of something else?)");
    }
    return records;
}

Expected<StateDict> readZip(const std::string& path)
{
    auto directory = readZipDirectory(path);
    if (!directory) {
        return directory.error();
    }
    caffe2::serialize::PyTorchStreamReader reader(path);
    if (!reader.hasRecord("data.pkl")) {
        return makeError(ErrorKind::Weights, describe(path) +
                         " is a zip archive without data.pkl: not a torch.save file (a TorchScript archive or "
                         "another zip?)");
    }
    auto [pickle, pickleSize] = reader.getRecord("data.pkl");
    Unpickler unpickler(path, static_cast<const char*>(pickle.get()), pickleSize);
    auto root = unpickler.load();
    if (!root) {
        return root.error();
    }
    bool bigEndian = false;
    if (reader.hasRecord("byteorder")) {
        auto [order, orderSize] = reader.getRecord("byteorder");
        const std::string text(static_cast<const char*>(order.get()), orderSize);
        if (text != "little" && text != "big") {
            return makeError(ErrorKind::Weights, describe(path) + " has an unknown byteorder '" + text + "'");
        }
        bigEndian = text == "big";
    }
    std::map<std::string, c10::Storage> storages;
    for (const auto& [key, ref] : unpickler.storages()) {
        const std::string record = "data/" + key;
        if (!reader.hasRecord(record)) {
            return makeError(ErrorKind::Weights, describe(path) + " lacks the storage record " + record + " that its tensors use");
        }
        auto needed = storageBytes(path, ref);
        if (!needed) {
            return needed.error();
        }
        auto [data, size] = reader.getRecord(record);
        if (size < static_cast<size_t>(*needed)) {
            return makeError(ErrorKind::Weights, describe(path) + ": storage " + record + " holds " + std::to_string(size) +
                             " bytes, but declares " + std::to_string(ref.numel) + " " +
                             std::string(c10::toString(ref.dtype)) + " elements (" + std::to_string(*needed) +
                             " bytes); the file is corrupted");
        }
        c10::Storage storage(c10::Storage::use_byte_size_t(), static_cast<size_t>(*needed), std::move(data), nullptr,
                             false);
        if (bigEndian) {
            swapBytes(storage, c10::elementSize(ref.dtype));
        }
        storages.emplace(key, std::move(storage));
    }
    return stateDictFromPickle(path, *root, storages);
}

Expected<StateDict> readLegacy(const std::string& path)
{
    auto file = readWholeFile(path);
    if (!file) {
        return file.error();
    }
    const std::string& data = *file;
    Unpickler unpickler(path, data.data(), data.size());
    auto magic = unpickler.load();
    if (!magic) {
        return magic.error();
    }
    if ((*magic)->kind != Kind::BigInt ||
        (*magic)->text != std::string(std::begin(kLegacyMagic), std::end(kLegacyMagic))) {
        return makeError(ErrorKind::Weights, describe(path) + " does not start with torch's magic number: not a legacy checkpoint");
    }
    auto protocol = unpickler.load();
    if (!protocol) {
        return protocol.error();
    }
    if ((*protocol)->kind != Kind::Int || (*protocol)->integer != kLegacyProtocolVersion) {
        return makeError(ErrorKind::Weights, describe(path) + " has an unsupported legacy protocol version");
    }
    auto sysInfo = unpickler.load();
    if (!sysInfo) {
        return sysInfo.error();
    }
    if ((*sysInfo)->kind != Kind::Dict) {
        return makeError(ErrorKind::Weights, describe(path) + " has no system info dict after its protocol version");
    }
    const auto littleEndian = (*sysInfo)->find("little_endian");
    if (littleEndian && littleEndian->kind == Kind::Bool && !littleEndian->boolean) {
        return makeError(ErrorKind::Weights, describe(path) + " was saved on a big-endian machine; re-save it on a little-endian one");
    }
    auto root = unpickler.load();
    if (!root) {
        return root.error();
    }
    auto keys = unpickler.load();
    if (!keys) {
        return keys.error();
    }
    if ((*keys)->kind != Kind::List) {
        return makeError(ErrorKind::Weights, describe(path) + " has no list of storage keys after its object pickle");
    }
    std::map<std::string, c10::Storage> storages;
    size_t pos = unpickler.position();
    for (const auto& keyValue : (*keys)->items) {
        if (keyValue->kind != Kind::String) {
            return makeError(ErrorKind::Weights, describe(path) + " has a storage key that is not a string");
        }
        const std::string& key = keyValue->text;
        const auto ref = unpickler.storages().find(key);
        if (ref == unpickler.storages().end()) {
            return makeError(ErrorKind::Weights, describe(path) + " stores storage '" + key + "', which no tensor declares");
        }
        if (storages.count(key)) {
            return makeError(ErrorKind::Weights, describe(path) + " stores storage '" + key + "' twice");
        }
        if (data.size() - pos < 8) {
            return makeError(ErrorKind::Weights, describe(path) + " is truncated: storage '" + key + "' should start at byte " +
                             std::to_string(pos) + ", the file has " + std::to_string(data.size()) + " bytes");
        }
        int64_t numel = 0;
        std::memcpy(&numel, data.data() + pos, 8);  // little-endian, checked above
        pos += 8;
        if (numel != ref->second.numel) {
            return makeError(ErrorKind::Weights, describe(path) + ": storage '" + key + "' holds " + std::to_string(numel) +
                             " elements, but its tensors declare " + std::to_string(ref->second.numel) +
                             "; the file is corrupted");
        }
        auto needed = storageBytes(path, ref->second);
        if (!needed) {
            return needed.error();
        }
        if (data.size() - pos < static_cast<size_t>(*needed)) {
            return makeError(ErrorKind::Weights, describe(path) + " is truncated: storage '" + key + "' needs " + std::to_string(*needed) +
                             " bytes at byte " + std::to_string(pos) + ", only " + std::to_string(data.size() - pos) +
                             " remain");
        }
        c10::Storage storage(c10::Storage::use_byte_size_t(), static_cast<size_t>(*needed),
                             c10::GetDefaultCPUAllocator(), false);
        if (*needed > 0) {  // an empty storage has no data pointer, and memcpy's may not be null
            std::memcpy(storage.data(), data.data() + pos, static_cast<size_t>(*needed));
        }
        pos += static_cast<size_t>(*needed);
        storages.emplace(key, std::move(storage));
    }
    return stateDictFromPickle(path, *root, storages);
}

Expected<int64_t> jsonCount(const QJsonValue& value)
{
    const double number = value.toDouble(-1.0);
    if (!value.isDouble() || number < 0 || number > 9007199254740992.0 ||
        number != static_cast<double>(static_cast<int64_t>(number))) {
        return makeError(ErrorKind::Weights, "not a non-negative integer");
    }
    return static_cast<int64_t>(number);
}

Expected<StateDict> readSafetensors(const std::string& path)
{
    auto file = readWholeFile(path);
    if (!file) {
        return file.error();
    }
    const std::string& data = *file;
    const std::string bad = describe(path) + " is not a valid safetensors file: ";
    if (data.size() < 8) {
        return makeError(ErrorKind::Weights, bad + "shorter than its 8-byte header length");
    }
    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) {
        headerSize = (headerSize << 8) | static_cast<uint8_t>(data[static_cast<size_t>(i)]);
    }
    if (headerSize > kMaxSafetensorsHeader || headerSize > data.size() - 8) {
        return makeError(ErrorKind::Weights, bad + "header length " + std::to_string(headerSize) + " exceeds the file");
    }
    QJsonParseError parseError;
    const QJsonDocument header =
        QJsonDocument::fromJson(QByteArray(data.data() + 8, static_cast<qsizetype>(headerSize)), &parseError);
    if (parseError.error != QJsonParseError::NoError || !header.isObject()) {
        return makeError(ErrorKind::Weights, bad + "header is not a JSON object (" + parseError.errorString().toStdString() + ")");
    }
    const size_t dataStart = 8 + headerSize;
    const int64_t dataSize = static_cast<int64_t>(data.size() - dataStart);
    static const std::map<QString, c10::ScalarType> kDtypes = {
        {QStringLiteral("F64"), c10::ScalarType::Double}, {QStringLiteral("F32"), c10::ScalarType::Float},
        {QStringLiteral("F16"), c10::ScalarType::Half},   {QStringLiteral("BF16"), c10::ScalarType::BFloat16},
        {QStringLiteral("I64"), c10::ScalarType::Long},   {QStringLiteral("I32"), c10::ScalarType::Int},
        {QStringLiteral("I16"), c10::ScalarType::Short},  {QStringLiteral("I8"), c10::ScalarType::Char},
        {QStringLiteral("U8"), c10::ScalarType::Byte},    {QStringLiteral("BOOL"), c10::ScalarType::Bool},
    };
    struct Entry {
        std::string name;
        c10::ScalarType dtype;
        std::vector<int64_t> shape;
        int64_t begin, end;
    };
    std::vector<Entry> entries;
    const QJsonObject object = header.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() == QStringLiteral("__metadata__")) {
            continue;
        }
        Entry entry;
        entry.name = it.key().toStdString();
        const std::string where = bad + "tensor '" + entry.name + "' ";
        const QJsonObject info = it.value().toObject();
        const auto dtype = kDtypes.find(info.value(QStringLiteral("dtype")).toString());
        if (dtype == kDtypes.end()) {
            return makeError(ErrorKind::Weights, where + "has an unsupported dtype '" +
                             info.value(QStringLiteral("dtype")).toString().toStdString() + "'");
        }
        entry.dtype = dtype->second;
        int64_t bytes = static_cast<int64_t>(c10::elementSize(entry.dtype));
        const QJsonArray shape = info.value(QStringLiteral("shape")).toArray();
        for (const auto& dim : shape) {
            auto size = jsonCount(dim);
            if (!size || !mulAdd(bytes, *size, 0, bytes)) {
                return makeError(ErrorKind::Weights, where + "has an invalid shape");
            }
            entry.shape.push_back(*size);
        }
        const QJsonArray offsets = info.value(QStringLiteral("data_offsets")).toArray();
        auto begin = offsets.size() == 2 ? jsonCount(offsets[0]) : Expected<int64_t>(makeError(ErrorKind::Weights, ""));
        auto end = offsets.size() == 2 ? jsonCount(offsets[1]) : Expected<int64_t>(makeError(ErrorKind::Weights, ""));
        if (!begin || !end || *begin > *end || *end > dataSize) {
            return makeError(ErrorKind::Weights, where + "has data_offsets outside the " + std::to_string(dataSize) +
                             " bytes of tensor data");
        }
        if (*end - *begin != bytes) {
            return makeError(ErrorKind::Weights, where + "of shape " + shapeText(entry.shape) + " needs " + std::to_string(bytes) +
                             " bytes, its data_offsets span " + std::to_string(*end - *begin));
        }
        entry.begin = *begin;
        entry.end = *end;
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    StateDict result;
    for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        if (i > 0 && entry.begin < entries[i - 1].end) {
            return makeError(ErrorKind::Weights, bad + "tensors '" + entries[i - 1].name + "' and '" + entry.name + "' overlap");
        }
        auto tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(entry.dtype));
        if (entry.end > entry.begin) {  // an empty tensor has no data pointer, and memcpy's may not be null
            std::memcpy(tensor.data_ptr(), data.data() + dataStart + entry.begin,
                        static_cast<size_t>(entry.end - entry.begin));
        }
        result.emplace_back(entry.name, std::move(tensor));
    }
    return result;
}

// DataParallel saves "module.<name>"; the networks know "<name>".
Expected<StateDict> stripModulePrefix(const std::string& path, StateDict stateDict)
{
    static const std::string kPrefix = "module.";
    std::set<std::string> seen;
    for (auto& [name, tensor] : stateDict) {
        if (name.rfind(kPrefix, 0) == 0) {
            name.erase(0, kPrefix.size());
        }
        if (!seen.insert(name).second) {
            return makeError(ErrorKind::Weights, describe(path) + " holds '" + name + "' twice (with and without 'module.')");
        }
    }
    return stateDict;
}

}  // namespace

CheckpointFormat detectCheckpointFormat(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return CheckpointFormat::Unknown;
    }
    unsigned char head[512] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const auto got = static_cast<size_t>(in.gcount());
    std::error_code error;
    const auto fileSize = std::filesystem::file_size(path, error);
    if (error) {
        return CheckpointFormat::Unknown;
    }
    if (got >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) {
        return CheckpointFormat::Zip;
    }
    if (got >= 262 && std::memcmp(head + 257, "ustar", 5) == 0) {
        return CheckpointFormat::Tar;
    }
    if (got >= 14 && head[0] == 0x80 && head[2] == 0x8a && head[3] == sizeof kLegacyMagic &&
        std::memcmp(head + 4, kLegacyMagic, sizeof kLegacyMagic) == 0) {
        return CheckpointFormat::Legacy;
    }
    if (got >= 10) {
        uint64_t headerSize = 0;
        for (int i = 7; i >= 0; --i) {
            headerSize = (headerSize << 8) | head[i];
        }
        if (head[8] == '{' && headerSize >= 2 && headerSize <= fileSize - 8) {
            return CheckpointFormat::Safetensors;
        }
    }
    return CheckpointFormat::Unknown;
}

Expected<StateDict> readCheckpoint(const std::string& path)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        return makeError(ErrorKind::Weights, describe(path) + " does not exist or is not a file");
    }
    try {
        Expected<StateDict> stateDict = makeError(ErrorKind::Weights, "");
        switch (detectCheckpointFormat(path)) {
            case CheckpointFormat::Zip:
                stateDict = readZip(path);
                break;
            case CheckpointFormat::Legacy:
                stateDict = readLegacy(path);
                break;
            case CheckpointFormat::Safetensors:
                stateDict = readSafetensors(path);
                break;
            case CheckpointFormat::Tar:
                return makeError(ErrorKind::Weights, describe(path) +
                                 " is in PyTorch's old tar format: tar format not supported, re-save with "
                                 "torch.save (load it in Python, then torch.save(state_dict, path))");
            case CheckpointFormat::Unknown:
                return makeError(ErrorKind::Weights, describe(path) +
                                 " is not a PyTorch checkpoint: neither a torch.save zip, a legacy torch.save "
                                 "pickle nor a safetensors file");
        }
        if (!stateDict) {
            return stateDict;
        }
        return stripModulePrefix(path, std::move(*stateDict));
    } catch (const std::bad_alloc&) {
        return makeError(ErrorKind::Weights, describe(path) +
                                                 " could not be read: it needs more memory than is "
                                                 "available; the file is corrupt or not a checkpoint");
    } catch (const c10::Error& e) {
        // LibTorch's own words ("PytorchStreamReader failed...", "[enforce fail at ...]") mean nothing to a user.
        const std::string what = e.what_without_backtrace();
        const bool memory = what.find("allocate") != std::string::npos;
        return makeError(ErrorKind::Weights, describe(path) + " could not be read: " +
                                                 (memory ? "it needs more memory than is available; the file is "
                                                           "corrupt or not a checkpoint"
                                                         : "its zip archive is damaged (truncated or corrupt)"));
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Weights, describe(path) + " could not be read: the file is damaged (" +
                                                 std::string(e.what()).substr(0, 120) + ")");
    }
}

}  // namespace convlens
