#pragma once
// Field descriptions: a plain struct is described once, as a list of its fields (name, member pointer and how the
// field appears in JSON), by specialising Fields<T> next to the struct (see analysisresult.h). Everything that
// must treat every field follows from that list: the disk codec and the size estimate (core/jobs/resultcodec),
// the command line's JSON (resultjson.h) and the tests' field-by-field equality (tests/jobs/sampleresult.h), so a
// new field is one edit.
//
// Compile-time data only (no state, no failure, any thread). Torch-free and Qt-free.

#include <tuple>
#include <utility>

namespace convlens {

// How a field is written in the JSON of resultjson.h; the codec, the size estimate and the equality ignore it.
enum class JsonForm {
    Value,          // "name": the value (a vector as an array, a described struct as an object, a map as an object)
    Omitted,        // not in the JSON (pixels; dimensions another field's shape already shows)
    NullWhenEmpty,  // a string, null when empty
    Inline,         // a described struct whose fields are written into the enclosing object
    Columns,        // a vector of described structs, written as one array per field: "<name>_<field name>"
    Rows,           // a vector written as an array of rows of `rowLength` elements (row-major)
};

// Which JSON objects hold a field: every one, only `analyze`'s, or only with --full-logits.
enum class JsonScope { All, Analyze, FullLogits };

// One field of S. `name` is the JSON key (snake_case) and the name in test failure messages.
template <typename S, typename T>
struct Field {
    using Struct = S;
    using Type = T;

    const char* name;
    T S::*member;
    JsonForm json = JsonForm::Value;
    JsonScope scope = JsonScope::All;
    const char* group = nullptr;  // JSON: nested in this object of the enclosing one; "a/b" nests twice
    int S::*rowLength = nullptr;  // JsonForm::Rows: the field holding the row length

    constexpr Field omitted() const { return with(JsonForm::Omitted); }
    constexpr Field nullWhenEmpty() const { return with(JsonForm::NullWhenEmpty); }
    constexpr Field inlined() const { return with(JsonForm::Inline); }
    constexpr Field columns() const { return with(JsonForm::Columns); }
    constexpr Field rows(int S::*length) const
    {
        Field f = with(JsonForm::Rows);
        f.rowLength = length;
        return f;
    }
    constexpr Field in(const char* objectPath) const
    {
        Field f = *this;
        f.group = objectPath;
        return f;
    }
    constexpr Field only(JsonScope s) const
    {
        Field f = *this;
        f.scope = s;
        return f;
    }

private:
    constexpr Field with(JsonForm form) const
    {
        Field f = *this;
        f.json = form;
        return f;
    }
};

template <typename S, typename T>
constexpr Field<S, T> field(const char* name, T S::*member)
{
    return Field<S, T>{name, member};
}

// Specialise with `static constexpr std::tuple list{field(...), ...};` to describe T. Undescribed types are leaves
// (numbers, strings, images, vectors, maps) that each consumer handles itself.
template <typename T>
struct Fields {
};

template <typename T>
concept Described = requires
{
    Fields<T>::list;
};

// Calls f(field) for every field of T, in declaration order (the codec's byte order).
template <Described T, typename F>
constexpr void forEachField(F&& f)
{
    std::apply([&](const auto&... fields) { (f(fields), ...); }, Fields<T>::list);
}

}  // namespace convlens
