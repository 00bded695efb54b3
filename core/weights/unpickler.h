#pragma once
// Unpickler: an allow-listed reader for the pickles inside PyTorch checkpoints, after torch's weights_only
// unpickler. It understands the protocol 2-4 opcodes that state_dicts use and builds only PickleValues:
// dicts, lists, tuples, scalars, strings, storages (persistent ids) and tensor descriptions. The only globals
// it accepts are collections.OrderedDict, torch._utils' tensor/parameter rebuild functions and the
// torch.*Storage types; REDUCE works only on those rebuild functions and OrderedDict, BUILD only attaches state
// (OrderedDict._metadata) to a dict or tensor. Anything else — another global, another opcode, a REDUCE on
// something else — is refused with an error naming it. Nothing in a file is ever executed.
//
// Ownership: reads from a byte range it does not own; the caller keeps it alive while load() runs.
// Threads: one Unpickler per thread. Failure: load() returns an Error whose message names the file.

#include "core/common/expected.h"
#include "core/weights/picklevalue.h"

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace convlens {

class Unpickler {
public:
    // `fileName` is used in error messages only.
    Unpickler(std::string fileName, const char* data, size_t size, size_t start = 0);

    // Reads one pickle (up to its STOP opcode) from the current position and returns its value.
    Expected<PickleValuePtr> load();

    // Byte offset just after the last pickle read.
    size_t position() const { return mPos; }

    // Every storage the pickles so far referred to, by key (the first reference of each key).
    const std::map<std::string, StorageRef>& storages() const { return mStorages; }

private:
    PickleValuePtr run();
    uint8_t readByte();
    const char* readBytes(size_t count);
    std::string readLine();
    uint64_t readUnsigned(int bytes);
    void push(PickleValuePtr value);
    PickleValuePtr pop();
    PickleValuePtr& top();
    std::vector<PickleValuePtr> popMark();
    PickleValuePtr memoGet(uint64_t index);
    PickleValuePtr makeGlobal(const std::string& module, const std::string& name);
    PickleValuePtr reduce(const PickleValuePtr& callable, const PickleValuePtr& args);
    PickleValuePtr persistentLoad(const PickleValuePtr& pid);
    void build(const PickleValuePtr& target, const PickleValuePtr& state);
    void setItems(const PickleValuePtr& dict, const std::vector<PickleValuePtr>& keyValues);
    void appendItems(const PickleValuePtr& list, const std::vector<PickleValuePtr>& values);
    [[noreturn]] void fail(const std::string& problem) const;
    // Whether the value graph under `root` refers back to itself (memo references can make a list hold itself).
    static bool hasCycle(const PickleValuePtr& root);
    // Empties every container this unpickler made, so a failed or refused pickle's cycles free their memory.
    void releaseContainers();

    std::string mFileName;
    const char* mData;
    size_t mSize;
    size_t mPos;
    size_t mOpcodePos = 0;
    static constexpr size_t kMaxPushes = 4'000'000;
    size_t mPushes = 0;
    std::vector<PickleValuePtr> mStack;
    std::vector<std::weak_ptr<PickleValue>> mContainers;  // every Tuple, List and Dict pushed (releaseContainers)
    std::vector<size_t> mMarks;
    std::map<uint64_t, PickleValuePtr> mMemo;
    std::map<std::string, StorageRef> mStorages;
    // Key positions of the dicts built by the current pickle (String keys only), for SETITEM(S).
    std::unordered_map<PickleValuePtr, std::unordered_map<std::string, size_t>> mDictIndex;
};

}  // namespace convlens
