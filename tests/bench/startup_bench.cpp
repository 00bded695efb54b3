// Process start-up of the command line: `convlens-cli models` and `convlens-cli weights path resnet18`, spawned as a
// user would run them, wall time from spawn to exit. These commands only read the registry, so their time is
// the cost of starting the program (dynamic linking, static initialisers, the registry and its label file).
// Results and the machine: tests/bench/RESULTS.md. The binary is CONVLENS_CLI_PATH (set by tests/bench/CMakeLists),
// or $CONVLENS_BENCH_CLI when set (to time another build, e.g. before and after a change).
//
// BM_WindowFirstPaint: the desktop application from spawn to its window's first paint, as on a first start (no
// settings yet), on Qt's offscreen platform unless QT_QPA_PLATFORM names another. The program reports the time
// of its first paint event on the system's monotonic clock (its hidden --quit-after-first-paint option) and
// quits; its exit is not timed. The binary is CONVLENS_GUI_PATH, or $CONVLENS_BENCH_GUI.
//
// The weights folders are pointed at an empty temporary folder so that no checkpoint is found or hashed, and the
// configuration folder too, so that no user models.yaml is read.

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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

// posix_spawn's argument vector over `args` (which must outlive it).
std::vector<char*> argvOf(std::vector<std::string>& args)
{
    std::vector<char*> argv;
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    return argv;
}

// Runs the CLI with `arguments`, stdout and stderr to /dev/null; the exit status, or -1 when it did not exit.
int runCli(const std::vector<std::string>& arguments)
{
    std::vector<std::string> args = {cliPath()};
    args.insert(args.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv = argvOf(args);

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

// Points the weights, cache and configuration look-ups at an empty folder: no checkpoint is found or hashed, no
// user models.yaml or settings are read (a first start). False, with the benchmark skipped, when the folder
// cannot be made.
bool isolateLookups(benchmark::State& state)
{
    const std::string& empty = emptyFolder();
    if (empty.empty()) {
        state.SkipWithError("cannot create a temporary folder");
        return false;
    }
    for (const char* variable : {"CONVLENS_WEIGHTS_DIR", "TORCH_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"})
        setenv(variable, empty.c_str(), 1);
    return true;
}

std::string guiPath()
{
    const char* other = std::getenv("CONVLENS_BENCH_GUI");
    return other && *other ? std::string(other) : std::string(CONVLENS_GUI_PATH);
}

// Spawns the application with --quit-after-first-paint and returns the seconds from the spawn to its first paint,
// or a negative value (with `problem` set) when it reported none.
double secondsToFirstPaint(std::string& problem)
{
    std::vector<std::string> args = {guiPath(), "--quit-after-first-paint"};
    std::vector<char*> argv = argvOf(args);
    int pipeFds[2];
    if (pipe(pipeFds) != 0) {
        problem = "cannot create a pipe";
        return -1.0;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
    posix_spawn_file_actions_addclose(&actions, pipeFds[1]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const auto spawnedAt = std::chrono::steady_clock::now().time_since_epoch();
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipeFds[1]);
    if (spawned != 0) {
        close(pipeFds[0]);
        problem = "cannot start " + args[0];
        return -1.0;
    }
    std::string output;
    char buffer[256];
    for (ssize_t n; (n = read(pipeFds[0], buffer, sizeof buffer)) > 0;)
        output.append(buffer, static_cast<size_t>(n));
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const size_t at = output.find("first-paint ");
    if (at == std::string::npos) {
        problem = args[0] + " reported no first paint (exit status " +
                  std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
        return -1.0;
    }
    const long long paintedNs = std::atoll(output.c_str() + at + 12);
    return static_cast<double>(paintedNs - std::chrono::duration_cast<std::chrono::nanoseconds>(spawnedAt).count()) /
           1e9;
}

void BM_WindowFirstPaint(benchmark::State& state)
{
    if (!isolateLookups(state))
        return;
    setenv("QT_QPA_PLATFORM", "offscreen", /*overwrite=*/0);
    for (auto _ : state) {
        std::string problem;
        const double seconds = secondsToFirstPaint(problem);
        if (seconds < 0) {
            state.SkipWithError(problem.c_str());
            return;
        }
        state.SetIterationTime(seconds);
    }
    state.SetLabel(guiPath() + ", QT_QPA_PLATFORM=" + std::getenv("QT_QPA_PLATFORM"));
}

// `okCodes`: the exit statuses that mean the command ran (weights path exits 1 when the file is missing).
void BM_CliStartup(benchmark::State& state, std::vector<std::string> arguments, std::vector<int> okCodes)
{
    if (!isolateLookups(state))
        return;
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

BENCHMARK(BM_WindowFirstPaint)->Unit(benchmark::kMillisecond)->UseManualTime();

}  // namespace
