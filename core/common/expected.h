#pragma once
// Expected<T>: the core error contract. A value, or an Error with a kind and a message a person can act on
// (which file, what was wrong, what to do). Code branches on the kind, never on the message. Exceptions never
// cross from core into ui/ or app/.

#include <string>
#include <utility>
#include <variant>

namespace convlens {

// What went wrong, for control flow: whether to retry, blame the input, point at the weights panel, or report a
// bug.
enum class ErrorKind {
    Cancelled,  // the user (or a newer request) stopped the work; nothing is wrong
    BadInput,   // an image, a registry or an option the user gave cannot be used as it is
    Weights,    // a checkpoint is missing, unreadable, hostile or does not fit the network
    Internal,   // a bug or a resource failure (out of memory, a library exception)
};

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;

    // The same error with "`prefix`: " in front of its message (the file or model it concerns).
    Error withContext(const std::string& prefix) const { return Error{kind, prefix + ": " + message}; }
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
    ErrorKind kind() const { return error().kind; }

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
    ErrorKind kind() const { return mError.kind; }

private:
    Error mError;
    bool mOk = true;
};

inline Error makeError(ErrorKind kind, std::string message)
{
    return Error{kind, std::move(message)};
}

}  // namespace convlens
