#include "core/weights/unpickler.h"

#include <cstring>
#include <set>
#include <stdexcept>

namespace convlens {

namespace {

// Thrown inside the unpickler only; load() turns it into an Error.
struct UnpickleFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Kind = PickleValue::Kind;

// The storage classes a state_dict may name, with the element type each holds.
struct StorageType {
    const char* name;
    c10::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", c10::ScalarType::Float}, {"DoubleStorage", c10::ScalarType::Double},
    {"HalfStorage", c10::ScalarType::Half},   {"BFloat16Storage", c10::ScalarType::BFloat16},
    {"LongStorage", c10::ScalarType::Long},   {"IntStorage", c10::ScalarType::Int},
    {"ShortStorage", c10::ScalarType::Short}, {"CharStorage", c10::ScalarType::Char},
    {"ByteStorage", c10::ScalarType::Byte},   {"BoolStorage", c10::ScalarType::Bool},
};

const std::set<std::string> kAllowedFunctions = {
    "collections.OrderedDict",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
};

// Opcodes a general pickle may use that a weights file never needs; named so the refusal says which.
const char* refusedOpcodeName(uint8_t op)
{
    switch (op) {
        case 0x81:
            return "NEWOBJ";
        case 0x92:
            return "NEWOBJ_EX";
        case 'i':
            return "INST";
        case 'o':
            return "OBJ";
        case 0x82:
            return "EXT1";
        case 0x83:
            return "EXT2";
        case 0x84:
            return "EXT4";
        case 'P':
            return "PERSID";
        case 'I':
            return "INT";
        case 'L':
            return "LONG";
        case 'S':
            return "STRING";
        case 'V':
            return "UNICODE";
        case 'F':
            return "FLOAT";
        case 'g':
            return "GET";
        case 'p':
            return "PUT";
        case 0x8b:
            return "LONG4";
        case 0x8f:
            return "EMPTY_SET";
        case 0x90:
            return "ADDITEMS";
        case 0x91:
            return "FROZENSET";
        case 0x96:
            return "BYTEARRAY8";
        case 0x97:
            return "NEXT_BUFFER";
        case 0x98:
            return "READONLY_BUFFER";
        default:
            return nullptr;
    }
}

PickleValuePtr makeValue(Kind kind)
{
    auto value = std::make_shared<PickleValue>();
    value->kind = kind;
    return value;
}

PickleValuePtr makeInt(int64_t integer)
{
    auto value = makeValue(Kind::Int);
    value->integer = integer;
    return value;
}

PickleValuePtr makeText(Kind kind, std::string text)
{
    auto value = makeValue(kind);
    value->text = std::move(text);
    return value;
}

std::string kindName(const PickleValuePtr& value)
{
    switch (value->kind) {
        case Kind::None:
            return "None";
        case Kind::Bool:
            return "bool";
        case Kind::Int:
            return "int";
        case Kind::BigInt:
            return "int";
        case Kind::Float:
            return "float";
        case Kind::String:
            return "str";
        case Kind::Bytes:
            return "bytes";
        case Kind::Tuple:
            return "tuple";
        case Kind::List:
            return "list";
        case Kind::Dict:
            return value->ordered ? "OrderedDict" : "dict";
        case Kind::Global:
            return "'" + value->text + "'";
        case Kind::Storage:
            return "storage";
        case Kind::Tensor:
            return "tensor";
    }
    return "value";
}

}  // namespace

Unpickler::Unpickler(std::string fileName, const char* data, size_t size, size_t start)
    : mFileName(std::move(fileName)), mData(data), mSize(size), mPos(start)
{
}

Expected<PickleValuePtr> Unpickler::load()
{
    try {
        PickleValuePtr root = run();
        // A state_dict is a tree (or shares values, a DAG); a value holding itself through memo references is
        // not one, and shared pointers in a cycle would never be freed.
        if (hasCycle(root)) {
            releaseContainers();
            return makeError(ErrorKind::Weights, "checkpoint " + mFileName +
                                                     " holds a value that contains itself; it is not a state_dict "
                                                     "(the file is corrupt or hostile)");
        }
        return root;
    } catch (const UnpickleFailure& failure) {
        releaseContainers();
        return makeError(ErrorKind::Weights, failure.what());
    }
}

bool Unpickler::hasCycle(const PickleValuePtr& root)
{
    // Iterative depth-first search (a hostile pickle nests a million levels): grey = on the current path.
    enum class Colour { Grey, Black };
    std::unordered_map<const PickleValue*, Colour> colour;
    struct Frame {
        const PickleValue* value;
        std::vector<const PickleValue*> children;
        size_t next = 0;
    };
    auto childrenOf = [](const PickleValue& v) {
        std::vector<const PickleValue*> children;
        for (const auto& item : v.items)
            if (item)
                children.push_back(item.get());
        for (const auto& [key, value] : v.entries) {
            if (key)
                children.push_back(key.get());
            if (value)
                children.push_back(value.get());
        }
        if (v.state)
            children.push_back(v.state.get());
        return children;
    };
    if (!root)
        return false;
    std::vector<Frame> path;
    colour[root.get()] = Colour::Grey;
    path.push_back({root.get(), childrenOf(*root)});
    while (!path.empty()) {
        Frame& frame = path.back();
        if (frame.next == frame.children.size()) {
            colour[frame.value] = Colour::Black;
            path.pop_back();
            continue;
        }
        const PickleValue* child = frame.children[frame.next++];
        const auto seen = colour.find(child);
        if (seen != colour.end()) {
            if (seen->second == Colour::Grey)
                return true;
            continue;
        }
        colour[child] = Colour::Grey;
        path.push_back({child, childrenOf(*child)});
    }
    return false;
}

void Unpickler::releaseContainers()
{
    mStack.clear();
    mMemo.clear();
    mDictIndex.clear();
    for (const std::weak_ptr<PickleValue>& weak : mContainers) {
        if (PickleValuePtr value = weak.lock()) {
            // Moved out first: the children are released after the container no longer holds them.
            auto items = std::move(value->items);
            auto entries = std::move(value->entries);
            auto state = std::move(value->state);
            value->items.clear();
            value->entries.clear();
            value->state.reset();
        }
    }
    mContainers.clear();
}

void Unpickler::fail(const std::string& problem) const
{
    throw UnpickleFailure("checkpoint " + mFileName + " " + problem);
}

uint8_t Unpickler::readByte()
{
    if (mPos >= mSize) {
        fail("is truncated (pickle ends at byte " + std::to_string(mSize) + " before its STOP opcode)");
    }
    return static_cast<uint8_t>(mData[mPos++]);
}

const char* Unpickler::readBytes(size_t count)
{
    if (count > mSize - mPos) {
        fail("is truncated (needs " + std::to_string(count) + " bytes at byte " + std::to_string(mPos) + ", has " +
             std::to_string(mSize - mPos) + ")");
    }
    const char* start = mData + mPos;
    mPos += count;
    return start;
}

std::string Unpickler::readLine()
{
    std::string line;
    for (;;) {
        const char c = static_cast<char>(readByte());
        if (c == '\n') {
            return line;
        }
        if (line.size() > 256) {
            fail("has a GLOBAL name at byte " + std::to_string(mOpcodePos) + " is too long");
        }
        line.push_back(c);
    }
}

uint64_t Unpickler::readUnsigned(int bytes)
{
    const auto* p = reinterpret_cast<const uint8_t*>(readBytes(static_cast<size_t>(bytes)));
    uint64_t result = 0;
    for (int i = bytes - 1; i >= 0; --i) {
        result = (result << 8) | p[i];
    }
    return result;
}

void Unpickler::push(PickleValuePtr value)
{
    // Every value passes through the stack once: counting pushes bounds what a pickle of millions of tiny
    // containers can make (a ResNet-50 state_dict pushes a few thousand).
    if (++mPushes > kMaxPushes) {
        fail("holds more than " + std::to_string(kMaxPushes) +
             " pickled objects, far more than a state_dict has; the file is corrupt or hostile");
    }
    if (value && (value->kind == PickleValue::Kind::List || value->kind == PickleValue::Kind::Dict ||
                  value->kind == PickleValue::Kind::Tuple))
        mContainers.push_back(value);
    mStack.push_back(std::move(value));
}

PickleValuePtr Unpickler::pop()
{
    const size_t floor = mMarks.empty() ? 0 : mMarks.back();
    if (mStack.size() <= floor) {
        fail("has a malformed pickle: stack underflow at byte " + std::to_string(mOpcodePos));
    }
    PickleValuePtr value = std::move(mStack.back());
    mStack.pop_back();
    return value;
}

PickleValuePtr& Unpickler::top()
{
    const size_t floor = mMarks.empty() ? 0 : mMarks.back();
    if (mStack.size() <= floor) {
        fail("has a malformed pickle: stack underflow at byte " + std::to_string(mOpcodePos));
    }
    return mStack.back();
}

std::vector<PickleValuePtr> Unpickler::popMark()
{
    if (mMarks.empty()) {
        fail("has a malformed pickle: no MARK for the opcode at byte " + std::to_string(mOpcodePos));
    }
    const size_t mark = mMarks.back();
    mMarks.pop_back();
    std::vector<PickleValuePtr> items(std::make_move_iterator(mStack.begin() + static_cast<std::ptrdiff_t>(mark)),
                                      std::make_move_iterator(mStack.end()));
    mStack.resize(mark);
    return items;
}

PickleValuePtr Unpickler::memoGet(uint64_t index)
{
    const auto it = mMemo.find(index);
    if (it == mMemo.end()) {
        fail("has a malformed pickle: memo entry " + std::to_string(index) + " read before it was written (byte " +
             std::to_string(mOpcodePos) + ")");
    }
    return it->second;
}

PickleValuePtr Unpickler::makeGlobal(const std::string& module, const std::string& name)
{
    const std::string full = module + "." + name;
    if (module == "torch") {
        for (const auto& type : kStorageTypes) {
            if (name == type.name) {
                return makeText(Kind::Global, full);
            }
        }
    }
    if (kAllowedFunctions.count(full) == 0) {
        fail("refers to '" + full +
             "', which is not allowed in a weights file (a weights file holds only tensors in OrderedDicts; "
             "refusing to load it)");
    }
    return makeText(Kind::Global, full);
}

PickleValuePtr Unpickler::persistentLoad(const PickleValuePtr& pid)
{
    const std::string where = " (persistent id at byte " + std::to_string(mOpcodePos) + ")";
    if (pid->kind != Kind::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Kind::String ||
        pid->items[0]->text != "storage") {
        fail("has an unsupported persistent id" + where + "; only ('storage', type, key, location, numel) is allowed");
    }
    const auto& type = pid->items[1];
    const auto& key = pid->items[2];
    const auto& numel = pid->items[4];
    StorageRef ref;
    bool known = false;
    if (type->kind == Kind::Global) {
        for (const auto& storageType : kStorageTypes) {
            if (type->text == std::string("torch.") + storageType.name) {
                ref.dtype = storageType.dtype;
                known = true;
            }
        }
    }
    if (!known) {
        fail("has a storage of unknown type " + kindName(type) + where);
    }
    if (key->kind == Kind::String) {
        ref.key = key->text;
    } else if (key->kind == Kind::Int) {
        ref.key = std::to_string(key->integer);
    } else {
        fail("has a storage key that is a " + kindName(key) + where);
    }
    for (const char c : ref.key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
            fail("has a storage key '" + ref.key + "' has characters other than letters, digits and '_'" + where);
        }
    }
    if (ref.key.empty()) {
        fail("has an empty storage key" + where);
    }
    if (numel->kind != Kind::Int || numel->integer < 0) {
        fail("has storage '" + ref.key + "' declares no valid element count" + where);
    }
    ref.numel = numel->integer;
    // Legacy storage views: (view_key, offset, size) into the root storage.
    if (pid->items.size() >= 6 && pid->items[5]->kind != Kind::None) {
        const auto& view = pid->items[5];
        if (view->kind != Kind::Tuple || view->items.size() != 3 || view->items[1]->kind != Kind::Int ||
            view->items[2]->kind != Kind::Int) {
            fail("has storage '" + ref.key + "' has malformed view metadata" + where);
        }
        ref.viewOffset = view->items[1]->integer;
        ref.viewNumel = view->items[2]->integer;
        if (ref.viewOffset < 0 || ref.viewNumel < 0 || ref.viewOffset > ref.numel ||
            ref.viewNumel > ref.numel - ref.viewOffset) {
            fail("has a storage view of '" + ref.key + "' lies outside its storage" + where);
        }
    }
    const auto existing = mStorages.find(ref.key);
    if (existing == mStorages.end()) {
        mStorages.emplace(ref.key, ref);
    } else if (existing->second.dtype != ref.dtype || existing->second.numel != ref.numel) {
        fail("has storage '" + ref.key + "' is declared twice with different types or sizes" + where);
    }
    auto value = makeValue(Kind::Storage);
    value->storage = ref;
    return value;
}

PickleValuePtr Unpickler::reduce(const PickleValuePtr& callable, const PickleValuePtr& args)
{
    const std::string where = " (REDUCE at byte " + std::to_string(mOpcodePos) + ")";
    if (callable->kind != Kind::Global) {
        fail("uses REDUCE on a " + kindName(callable) + where + ", which is not allowed in a weights file");
    }
    if (args->kind != Kind::Tuple) {
        fail("uses REDUCE on '" + callable->text + "' with arguments that are not a tuple" + where);
    }
    const std::string& name = callable->text;
    const auto& a = args->items;
    if (name == "collections.OrderedDict") {
        auto dict = makeValue(Kind::Dict);
        dict->ordered = true;
        if (a.empty()) {
            return dict;
        }
        // Python 2 pickles an OrderedDict as OrderedDict([[key, value], ...]).
        if (a.size() == 1 && a[0]->kind == Kind::List) {
            for (const auto& pair : a[0]->items) {
                if ((pair->kind != Kind::List && pair->kind != Kind::Tuple) || pair->items.size() != 2) {
                    fail("has an OrderedDict built from something other than key/value pairs" + where);
                }
                dict->entries.emplace_back(pair->items[0], pair->items[1]);
            }
            return dict;
        }
        fail("has an OrderedDict built from unexpected arguments" + where);
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
        const size_t minArgs = name == "torch._utils._rebuild_tensor" ? 4 : 6;
        if (a.size() < minArgs || a.size() > 7 || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int ||
            a[2]->kind != Kind::Tuple || a[3]->kind != Kind::Tuple) {
            fail("calls '" + name + "' with unexpected arguments" + where);
        }
        if (a.size() >= 6 && !(a[5]->kind == Kind::Dict && a[5]->entries.empty()) && a[5]->kind != Kind::None) {
            fail("has a tensor with backward hooks" + where + ", which is not allowed in a weights file");
        }
        auto tensor = makeValue(Kind::Tensor);
        tensor->tensor.storage = a[0]->storage;
        tensor->tensor.storageOffset = a[1]->integer;
        for (int part = 0; part < 2; ++part) {
            auto& out = part == 0 ? tensor->tensor.sizes : tensor->tensor.strides;
            for (const auto& item : a[2 + part]->items) {
                if (item->kind != Kind::Int) {
                    fail("has a tensor size or stride that is not an integer" + where);
                }
                out.push_back(item->integer);
            }
        }
        return tensor;
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (a.size() < 3 || a.size() > 4 || a[0]->kind != Kind::Tensor) {
            fail("calls '" + name + "' with unexpected arguments" + where);
        }
        if (!(a[2]->kind == Kind::Dict && a[2]->entries.empty()) && a[2]->kind != Kind::None) {
            fail("has a parameter with backward hooks" + where + ", which is not allowed in a weights file");
        }
        return a[0];
    }
    fail("uses REDUCE on '" + name + "'" + where + ", which is not allowed in a weights file");
}

void Unpickler::build(const PickleValuePtr& target, const PickleValuePtr& state)
{
    const std::string where = " (BUILD at byte " + std::to_string(mOpcodePos) + ")";
    if (state->kind == Kind::None) {
        return;
    }
    if (target->kind == Kind::Dict && state->kind == Kind::Dict) {
        target->state = state;  // e.g. {'_metadata': OrderedDict(...)} on a state_dict
        return;
    }
    if (target->kind == Kind::Tensor) {
        return;  // _rebuild_parameter_with_state's attributes; weights need none of them
    }
    fail("uses BUILD of a " + kindName(target) + " with a " + kindName(state) + where +
         ", which is not allowed in a weights file");
}

void Unpickler::setItems(const PickleValuePtr& dict, const std::vector<PickleValuePtr>& keyValues)
{
    if (dict->kind != Kind::Dict) {
        fail("uses SETITEM on a " + kindName(dict) + " at byte " + std::to_string(mOpcodePos));
    }
    if (keyValues.size() % 2 != 0) {
        fail("uses SETITEMS with an odd number of items at byte " + std::to_string(mOpcodePos));
    }
    // Python dict semantics: a repeated key replaces the value in place. The index keeps this linear.
    auto& index = mDictIndex[dict];
    for (size_t i = 0; i < keyValues.size(); i += 2) {
        const auto& key = keyValues[i];
        if (key->kind == Kind::String) {
            const auto [it, inserted] = index.try_emplace(key->text, dict->entries.size());
            if (!inserted) {
                dict->entries[it->second].second = keyValues[i + 1];
                continue;
            }
        }
        dict->entries.emplace_back(key, keyValues[i + 1]);
    }
}

void Unpickler::appendItems(const PickleValuePtr& list, const std::vector<PickleValuePtr>& values)
{
    if (list->kind != Kind::List) {
        fail("uses APPEND on a " + kindName(list) + " at byte " + std::to_string(mOpcodePos));
    }
    list->items.insert(list->items.end(), values.begin(), values.end());
}

PickleValuePtr Unpickler::run()
{
    mStack.clear();
    mMarks.clear();
    mMemo.clear();
    mDictIndex.clear();
    for (;;) {
        mOpcodePos = mPos;
        const uint8_t op = readByte();
        switch (op) {
            case 0x80: {  // PROTO
                const uint8_t protocol = readByte();
                if (protocol > 5) {
                    fail("uses pickle protocol " + std::to_string(protocol) + " is not supported");
                }
                break;
            }
            case 0x95:  // FRAME: a length hint only
                readBytes(8);
                break;
            case '.': {  // STOP
                PickleValuePtr result = pop();
                mDictIndex.clear();
                if (!mMarks.empty()) {
                    fail("has a malformed pickle: unclosed MARK at STOP");
                }
                return result;
            }
            case '(':  // MARK
                mMarks.push_back(mStack.size());
                break;
            case '0':  // POP
                pop();
                break;
            case '1':  // POP_MARK
                popMark();
                break;
            case '2':  // DUP
                push(top());
                break;
            case 'N':
                push(makeValue(Kind::None));
                break;
            case 0x88:    // NEWTRUE
            case 0x89: {  // NEWFALSE
                auto value = makeValue(Kind::Bool);
                value->boolean = op == 0x88;
                push(value);
                break;
            }
            case 'J':  // BININT
                push(makeInt(static_cast<int32_t>(static_cast<uint32_t>(readUnsigned(4)))));
                break;
            case 'K':  // BININT1
                push(makeInt(static_cast<int64_t>(readUnsigned(1))));
                break;
            case 'M':  // BININT2
                push(makeInt(static_cast<int64_t>(readUnsigned(2))));
                break;
            case 0x8a: {  // LONG1
                const uint8_t n = readByte();
                const char* bytes = readBytes(n);
                if (n <= 8) {
                    uint64_t raw = 0;
                    for (int i = n - 1; i >= 0; --i) {
                        raw = (raw << 8) | static_cast<uint8_t>(bytes[i]);
                    }
                    if (n > 0 && n < 8 && (static_cast<uint8_t>(bytes[n - 1]) & 0x80)) {
                        raw |= ~uint64_t{0} << (8 * n);  // sign-extend
                    }
                    push(makeInt(static_cast<int64_t>(raw)));
                } else {
                    push(makeText(Kind::BigInt, std::string(bytes, n)));
                }
                break;
            }
            case 'G': {  // BINFLOAT (big-endian double)
                const uint64_t raw = [&] {
                    const auto* p = reinterpret_cast<const uint8_t*>(readBytes(8));
                    uint64_t r = 0;
                    for (int i = 0; i < 8; ++i) {
                        r = (r << 8) | p[i];
                    }
                    return r;
                }();
                auto value = makeValue(Kind::Float);
                std::memcpy(&value->real, &raw, sizeof raw);
                push(value);
                break;
            }
            case 'X':     // BINUNICODE
            case 0x8c:    // SHORT_BINUNICODE
            case 0x8d:    // BINUNICODE8
            case 'T':     // BINSTRING (Python 2 str)
            case 'U':     // SHORT_BINSTRING (Python 2 str)
            case 'B':     // BINBYTES
            case 'C':     // SHORT_BINBYTES
            case 0x8e: {  // BINBYTES8
                const int lengthBytes = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e) ? 8 : 4;
                const uint64_t length = readUnsigned(lengthBytes);
                if (length > mSize - mPos) {
                    fail("is truncated (a string of " + std::to_string(length) + " bytes at byte " +
                         std::to_string(mOpcodePos) + " runs past the end)");
                }
                const char* bytes = readBytes(static_cast<size_t>(length));
                const bool isBytes = op == 'B' || op == 'C' || op == 0x8e;
                push(makeText(isBytes ? Kind::Bytes : Kind::String, std::string(bytes, static_cast<size_t>(length))));
                break;
            }
            case ']':  // EMPTY_LIST
                push(makeValue(Kind::List));
                break;
            case 'l': {  // LIST
                auto list = makeValue(Kind::List);
                list->items = popMark();
                push(list);
                break;
            }
            case ')':  // EMPTY_TUPLE
                push(makeValue(Kind::Tuple));
                break;
            case 't': {  // TUPLE
                auto tuple = makeValue(Kind::Tuple);
                tuple->items = popMark();
                push(tuple);
                break;
            }
            case 0x85:    // TUPLE1
            case 0x86:    // TUPLE2
            case 0x87: {  // TUPLE3
                const size_t count = op - 0x84u;
                auto tuple = makeValue(Kind::Tuple);
                tuple->items.resize(count);
                for (size_t i = count; i-- > 0;) {
                    tuple->items[i] = pop();
                }
                push(tuple);
                break;
            }
            case '}':  // EMPTY_DICT
                push(makeValue(Kind::Dict));
                break;
            case 'd': {  // DICT
                auto dict = makeValue(Kind::Dict);
                setItems(dict, popMark());
                push(dict);
                break;
            }
            case 's': {  // SETITEM
                auto value = pop();
                auto key = pop();
                setItems(top(), {key, value});
                break;
            }
            case 'u': {  // SETITEMS
                auto items = popMark();
                setItems(top(), items);
                break;
            }
            case 'a': {  // APPEND
                auto value = pop();
                appendItems(top(), {value});
                break;
            }
            case 'e': {  // APPENDS
                auto items = popMark();
                appendItems(top(), items);
                break;
            }
            case 'q':  // BINPUT
                mMemo[readUnsigned(1)] = top();
                break;
            case 'r':  // LONG_BINPUT
                mMemo[readUnsigned(4)] = top();
                break;
            case 0x94:  // MEMOIZE
                mMemo[mMemo.size()] = top();
                break;
            case 'h':  // BINGET
                push(memoGet(readUnsigned(1)));
                break;
            case 'j':  // LONG_BINGET
                push(memoGet(readUnsigned(4)));
                break;
            case 'c': {  // GLOBAL
                const std::string module = readLine();
                const std::string name = readLine();
                push(makeGlobal(module, name));
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                auto name = pop();
                auto module = pop();
                if (module->kind != Kind::String || name->kind != Kind::String) {
                    fail("uses STACK_GLOBAL without module and name strings at byte " + std::to_string(mOpcodePos));
                }
                push(makeGlobal(module->text, name->text));
                break;
            }
            case 'R': {  // REDUCE
                auto args = pop();
                auto callable = pop();
                push(reduce(callable, args));
                break;
            }
            case 'b': {  // BUILD
                auto state = pop();
                build(top(), state);
                break;
            }
            case 'Q': {  // BINPERSID
                auto pid = pop();
                push(persistentLoad(pid));
                break;
            }
            default: {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02x", op);
                if (const char* name = refusedOpcodeName(op)) {
                    fail(std::string("uses pickle opcode ") + name + " (" + hex + ") at byte " +
                         std::to_string(mOpcodePos) + ", which is not allowed in a weights file");
                }
                fail(std::string("has an unknown pickle opcode ") + hex + " at byte " + std::to_string(mOpcodePos) +
                     " (not a checkpoint, or a corrupted one)");
            }
        }
    }
}

}  // namespace convlens
