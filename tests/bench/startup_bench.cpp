// Process start-up of the command line: `convlens-cli models` and `convlens-cli weights path resnet18`, spawned as a
// user would run them, wall time from spawn to exit. These commands only read the registry, so their time is
// the cost of starting the program (dynamic linking, static initialisers, the registry and its label file).
// Results and the machine: tests/bench/RESULTS.md. The binary is CONVLENS_CLI_PATH (set by tests/bench/CMakeLists),
// or $CONVLENS_BENCH_CLI when set (to time another build, e.g. before and after a change).
//
// The weights folders are pointed at an empty temporary folder so that no checkpoint is found or hashed, and the
// configuration folder too, so that no user models.yaml is read.

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace {

// An empty folder for the weights and configuration lookups, made once per process.
const std::string& emptyFolder()
{
    static const std::string dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "convlens-startup-XXXXXX").string();
        const char* made = mkdtemp(pattern.data());
        return made ? std::string(made) : std::string();
    }();
    return dir;
}

std::string cliPath()
{
    const char* other = std::getenv("CONVLENS_BENCH_CLI");
    return other && *other ? std::string(other) : std::string(CONVLENS_CLI_PATH);
}

// Runs the CLI with `arguments`, stdout and stderr to /dev/null; the exit status, or -1 when it did not exit.
int runCli(const std::vector<std::string>& arguments)
{
    std::vector<std::string> args = {cliPath()};
    args.insert(args.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

// `okCodes`: the exit statuses that mean the command ran (weights path exits 1 when the file is missing).
void BM_CliStartup(benchmark::State& state, std::vector<std::string> arguments, std::vector<int> okCodes)
{
    const std::string& empty = emptyFolder();
    if (empty.empty()) {
        state.SkipWithError("cannot create a temporary folder");
        return;
    }
    for (const char* variable : {"CONVLENS_WEIGHTS_DIR", "TORCH_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"})
        setenv(variable, empty.c_str(), 1);
    for (auto _ : state) {
        const int code = runCli(arguments);
        if (std::find(okCodes.begin(), okCodes.end(), code) == okCodes.end()) {
            state.SkipWithError((cliPath() + " exited with " + std::to_string(code)).c_str());
            return;
        }
    }
    state.SetLabel(cliPath());
}

BENCHMARK_CAPTURE(BM_CliStartup, models, std::vector<std::string>{"models"}, std::vector<int>{0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_CliStartup, weights_path_resnet18, std::vector<std::string>{"weights", "path", "resnet18"},
                  std::vector<int>{0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
