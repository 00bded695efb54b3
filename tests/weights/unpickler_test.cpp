#include "core/weights/unpickler.h"

#include <gtest/gtest.h>

namespace convlens {
namespace {

using Kind = PickleValue::Kind;
using namespace std::string_literals;

Expected<PickleValuePtr> unpickle(const std::string& bytes)
{
    Unpickler unpickler("test.pkl", bytes.data(), bytes.size());
    return unpickler.load();
}

// OrderedDict() with {'_metadata': OrderedDict({'': {}})} attached by BUILD, as every state_dict carries.
TEST(Unpickler, AttachesMetadataToOrderedDict)
{
    const std::string bytes = "\x80\x02"s + "ccollections\nOrderedDict\nq\x00)Rq\x01}"s +
                              "X\x09\x00\x00\x00_metadata"s + "h\x00)R"s + "X\x00\x00\x00\x00}ssb."s;
    auto value = unpickle(bytes);
    ASSERT_TRUE(value.ok()) << value.message();
    ASSERT_EQ((*value)->kind, Kind::Dict);
    EXPECT_TRUE((*value)->ordered);
    ASSERT_TRUE((*value)->state);
    const auto metadata = (*value)->state->find("_metadata");
    ASSERT_TRUE(metadata);
    EXPECT_TRUE(metadata->ordered);
    EXPECT_TRUE(metadata->find(""));
}

TEST(Unpickler, ReadsScalarsAndContainers)
{
    // {'a': [1, -2, 300, 70000, 2**40], 'b': (True, None, 0.5)}
    const std::string bytes = "\x80\x02}(X\x01\x00\x00\x00"s + "a](K\x01J\xfe\xff\xff\xff"s +
                              "M\x2c\x01J\x70\x11\x01\x00\x8a\x06\x00\x00\x00\x00\x00\x01"s + "e"s +
                              "X\x01\x00\x00\x00"s + "b"s + "\x88NG"s + "\x3f\xe0\x00\x00\x00\x00\x00\x00"s + "\x87u."s;
    auto value = unpickle(bytes);
    ASSERT_TRUE(value.ok()) << value.message();
    const auto list = (*value)->find("a");
    ASSERT_TRUE(list);
    ASSERT_EQ(list->items.size(), 5u);
    EXPECT_EQ(list->items[0]->integer, 1);
    EXPECT_EQ(list->items[1]->integer, -2);
    EXPECT_EQ(list->items[2]->integer, 300);
    EXPECT_EQ(list->items[3]->integer, 70000);
    EXPECT_EQ(list->items[4]->integer, int64_t{1} << 40);
    const auto tuple = (*value)->find("b");
    ASSERT_TRUE(tuple);
    ASSERT_EQ(tuple->items.size(), 3u);
    EXPECT_TRUE(tuple->items[0]->boolean);
    EXPECT_EQ(tuple->items[1]->kind, Kind::None);
    EXPECT_DOUBLE_EQ(tuple->items[2]->real, 0.5);
}

TEST(Unpickler, RepeatedDictKeyReplacesValueInPlace)
{
    // {'a': 1, 'b': 2, 'a': 3} == {'a': 3, 'b': 2}
    const std::string bytes =
        "\x80\x02}(X\x01\x00\x00\x00"s + "aK\x01X\x01\x00\x00\x00"s + "bK\x02X\x01\x00\x00\x00"s + "aK\x03u."s;
    auto value = unpickle(bytes);
    ASSERT_TRUE(value.ok()) << value.message();
    ASSERT_EQ((*value)->entries.size(), 2u);
    EXPECT_EQ((*value)->entries[0].first->text, "a");
    EXPECT_EQ((*value)->entries[0].second->integer, 3);
    EXPECT_EQ((*value)->entries[1].second->integer, 2);
}

TEST(Unpickler, RefusesGlobalsOutsideTheAllowList)
{
    auto value = unpickle("\x80\x02"s + "cposix\nsystem\nX\x02\x00\x00\x00lsR."s);
    ASSERT_FALSE(value.ok());
    EXPECT_NE(value.message().find("checkpoint test.pkl refers to 'posix.system', which is not allowed"),
              std::string::npos)
        << value.message();
}

TEST(Unpickler, RefusesTruncatedAndMalformedPickles)
{
    auto truncated = unpickle("\x80\x02X\x10\x00\x00\x00"s + "abc"s);
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.message().find("truncated"), std::string::npos) << truncated.message();
    auto underflow = unpickle("\x80\x02s."s);
    ASSERT_FALSE(underflow.ok());
    EXPECT_NE(underflow.message().find("stack underflow"), std::string::npos) << underflow.message();
    auto memo = unpickle("\x80\x02h\x05."s);
    ASSERT_FALSE(memo.ok());
    EXPECT_NE(memo.message().find("memo entry 5"), std::string::npos) << memo.message();
}

// A list that holds itself (l = []; l.append(l)) is no state_dict, and its shared pointers would never be freed
// (fuzz_checkpoint found it as a leak): refused, and its memory released. A value shared twice is fine.
TEST(Unpickler, RefusesAValueThatContainsItself)
{
    auto cycle = unpickle("\x80\x02]q\x00h\x00" "a."s);
    ASSERT_FALSE(cycle.ok());
    EXPECT_NE(cycle.message().find("test.pkl holds a value that contains itself"), std::string::npos)
        << cycle.message();
    // Shared, not cyclic: l = []; [l, l].
    auto shared = unpickle("\x80\x02]q\x00(]q\x01h\x01" "e."s);
    ASSERT_TRUE(shared.ok()) << shared.message();
    ASSERT_EQ((*shared)->items.size(), 2u);
    EXPECT_EQ((*shared)->items[0], (*shared)->items[1]);
}

TEST(Unpickler, SurvivesDeeplyNestedContainers)
{
    constexpr size_t kDepth = 1000000;
    const std::string bytes = "\x80\x02"s + std::string(kDepth, ']') + std::string(kDepth - 1, 'a') + "."s;
    auto value = unpickle(bytes);
    ASSERT_TRUE(value.ok()) << value.message();
    size_t depth = 1;
    for (const PickleValue* v = value->get(); !v->items.empty(); v = v->items.front().get()) {
        ++depth;
    }
    EXPECT_EQ(depth, kDepth);
    // Releasing the chain must not overflow the stack.
}

}  // namespace
}  // namespace convlens
