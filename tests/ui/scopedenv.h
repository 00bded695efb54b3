#pragma once
// ScopedEnv: sets (or unsets) environment variables for one test and restores what was there on destruction.

#include <QByteArray>
#include <QtGlobal>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace convlens::test {

class ScopedEnv {
public:
    ScopedEnv() = default;
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv()
    {
        for (auto it = mSaved.rbegin(); it != mSaved.rend(); ++it) {
            if (it->second)
                qputenv(it->first.c_str(), *it->second);
            else
                qunsetenv(it->first.c_str());
        }
    }

    // value == nullopt unsets the variable.
    void set(const char* name, const std::optional<QByteArray>& value)
    {
        mSaved.emplace_back(name, qEnvironmentVariableIsSet(name) ? std::optional(qgetenv(name)) : std::nullopt);
        if (value)
            qputenv(name, *value);
        else
            qunsetenv(name);
    }

private:
    std::vector<std::pair<std::string, std::optional<QByteArray>>> mSaved;
};

}  // namespace convlens::test
