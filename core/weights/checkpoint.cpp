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

std::string describe(const std::string& path)
{
    return "checkpoint " + path;
}

Expected<std::string> readWholeFile(const std::string& path)
{
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

Expected<StateDict> readZip(const std::string& path)
{
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
        std::memcpy(storage.data(), data.data() + pos, static_cast<size_t>(*needed));
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
        std::memcpy(tensor.data_ptr(), data.data() + dataStart + entry.begin,
                    static_cast<size_t>(entry.end - entry.begin));
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
    } catch (const c10::Error& e) {
        return makeError(ErrorKind::Weights, describe(path) + " could not be read: " + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return makeError(ErrorKind::Weights, describe(path) + " could not be read: " + e.what());
    }
}

}  // namespace convlens
