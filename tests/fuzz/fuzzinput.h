#pragma once
// Helpers shared by the fuzz targets: the readers under test that only take a path get the input through a file
// in a per-process folder on a tmpfs (/dev/shm when it exists), rewritten for every input.
//
// Threads: libFuzzer calls one input at a time; none of this is thread-safe. Failure: a folder or file that
// cannot be written aborts (the harness is broken, not the reader).

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace convlens::fuzz {

// A folder of this process's own (created on first use; removed at exit).
inline const std::filesystem::path& scratchDir()
{
    static const std::filesystem::path dir = [] {
        std::error_code error;
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm", error) ? "/dev/shm" : std::filesystem::temp_directory_path();
        auto path = base / ("convlens-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path, error);
        if (error) {
            std::fprintf(stderr, "fuzz: cannot create %s: %s\n", path.c_str(), error.message().c_str());
            std::abort();
        }
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(scratchDir(), ignored);
        });
        return path;
    }();
    return dir;
}

// Writes `size` bytes to scratchDir()/`name` (replacing it) and returns the path.
inline std::string writeScratchFile(const std::string& name, const uint8_t* data, size_t size)
{
    const auto path = scratchDir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path.string();
}

}  // namespace convlens::fuzz
