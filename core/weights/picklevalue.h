#pragma once
// PickleValue: the objects the allow-listed Unpickler can build from a checkpoint pickle. There is deliberately
// no "arbitrary object": a pickle can only describe the few kinds below, so nothing a file says can run code.
// Tensors stay descriptions (TensorRef) until the storages they point into have been read and checked.
//
// Ownership: values are shared (std::shared_ptr) because the pickle memo lets one object appear in several
// places, exactly as in Python. Plain data; any thread may use a value it owns.

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace convlens {

// A persistent-id storage reference: ('storage', torch.FloatStorage, key, location, numel[, view]).
struct StorageRef {
    std::string key;  // names data/<key> (zip) or a storage record after the pickle (legacy)
    c10::ScalarType dtype = c10::ScalarType::Float;
    int64_t numel = 0;       // elements the storage declares
    int64_t viewOffset = 0;  // legacy storage views: element offset of the view into the root storage
    int64_t viewNumel = -1;  // legacy storage views: elements of the view, -1 for a root storage
};

// The arguments of torch._utils._rebuild_tensor_v2: where a tensor's elements live in its storage.
struct TensorRef {
    StorageRef storage;
    int64_t storageOffset = 0;
    std::vector<int64_t> sizes;
    std::vector<int64_t> strides;
};

struct PickleValue;
using PickleValuePtr = std::shared_ptr<PickleValue>;

struct PickleValue {
    enum class Kind { None, Bool, Int, BigInt, Float, String, Bytes, Tuple, List, Dict, Global, Storage, Tensor };

    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double real = 0.0;
    std::string text;  // String, Bytes, BigInt (little-endian two's complement bytes), Global ("module.name")
    std::vector<PickleValuePtr> items;                               // Tuple, List
    std::vector<std::pair<PickleValuePtr, PickleValuePtr>> entries;  // Dict (insertion order, like OrderedDict)
    bool ordered = false;                                            // Dict built by collections.OrderedDict
    PickleValuePtr state;                                            // Dict: what BUILD attached (e.g. _metadata)
    StorageRef storage;                                              // Storage
    TensorRef tensor;                                                // Tensor

    PickleValue() = default;
    PickleValue(const PickleValue&) = delete;
    PickleValue& operator=(const PickleValue&) = delete;

    // Releases nested containers with a loop rather than recursion: a hostile pickle can nest a million lists
    // in a few megabytes, and a recursive release would overflow the stack.
    ~PickleValue()
    {
        std::vector<PickleValuePtr> pending;
        auto adopt = [&pending](PickleValue& value) {
            for (auto& item : value.items) {
                pending.push_back(std::move(item));
            }
            for (auto& [key, item] : value.entries) {
                pending.push_back(std::move(key));
                pending.push_back(std::move(item));
            }
            pending.push_back(std::move(value.state));
            value.items.clear();
            value.entries.clear();
        };
        adopt(*this);
        while (!pending.empty()) {
            PickleValuePtr value = std::move(pending.back());
            pending.pop_back();
            if (value && value.use_count() == 1) {
                adopt(*value);
            }
        }
    }

    // The value of Dict entry `key` (a String key), or nullptr.
    PickleValuePtr find(const std::string& key) const
    {
        for (const auto& [k, v] : entries) {
            if (k && k->kind == Kind::String && k->text == key) {
                return v;
            }
        }
        return nullptr;
    }
};

}  // namespace convlens
