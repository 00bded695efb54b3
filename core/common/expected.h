#pragma once
// Expected<T>: the core error contract. A value, or an Error whose message a person can act on
// (which file, what was wrong, what to do). Exceptions never cross from core into ui/.

#include <string>
#include <utility>
#include <variant>

namespace convlens {

struct Error {
    std::string message;
};

template <typename T>
class Expected {
public:
    Expected(T value) : mData(std::move(value)) {}
    Expected(Error error) : mData(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(mData); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(mData); }
    const T& value() const& { return std::get<T>(mData); }
    T&& value() && { return std::get<T>(std::move(mData)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<Error>(mData); }
    const std::string& message() const { return error().message; }

private:
    std::variant<T, Error> mData;
};

// Expected<void>: success or an Error.
template <>
class Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : mError(std::move(error)), mOk(false) {}

    bool ok() const { return mOk; }
    explicit operator bool() const { return mOk; }
    const Error& error() const { return mError; }
    const std::string& message() const { return mError.message; }

private:
    Error mError;
    bool mOk = true;
};

inline Error makeError(std::string message)
{
    return Error{std::move(message)};
}

}  // namespace convlens
