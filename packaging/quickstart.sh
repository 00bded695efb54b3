#!/usr/bin/env bash
# ConvLens quick start.
#   packaging/quickstart.sh run [IMAGE...]   install what is missing, build the programs (Release), offer to
#                                            download the default model's weights, start ConvLens
#   packaging/quickstart.sh test             install what is missing (with test tools), build, run every test;
#                                            then every test under ASan+UBSan, the jobs/cache/session tests
#                                            under TSan and a short libFuzzer run per fuzz target
#                                            (docs/FUZZING.md; CONVLENS_ASAN=0 or CONVLENS_TSAN=0 skips one,
#                                            CONVLENS_SANITIZER_TESTS=0 skips them all)
# Idempotent: installed packages and an existing build are reused; run and test share one configuration of
# build/release (run just builds no tests), so alternating them rebuilds nothing. Packages come from Debian
# (apt-get), as root, through sudo when not root; otherwise the exact apt-get line is printed and the script stops.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${CONVLENS_BUILD_DIR:-$ROOT/build/release}"
JOBS="${CONVLENS_JOBS:-$(nproc)}"
# Paths relative to the checkout in ccache's keys, so another clone (CI's) reuses the same cache entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
# The sanitizer presets compile with -g, and for -g ccache also hashes the working directory (the build folder,
# whose absolute path differs in every clone): without this, CI's clean clone never hits the cache for them.
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

# Build and runtime. libopenblas0-pthread: libtorch multiplies Linear layers through whatever libblas.so.3 is,
# and Debian's reference BLAS makes ConvNeXt 14x slower.
# The small test libraries and python3 are here too: configuring the test suite needs them, and run and test
# share one configuration.
BUILD_PACKAGES=(cmake ninja-build g++ ccache libtorch-dev qt6-base-dev qt6-svg-dev libyaml-cpp-dev libopenblas0-pthread libeigen3-dev
                libjpeg-dev libssl-dev qt6-image-formats-plugins libgtest-dev libgmock-dev libbenchmark-dev python3)
# Tests: python3-torchvision as the reference implementation (never used at run time), python3-skimage for real
# photos, Xvfb for the GUI checks; for the package check (tests/packaging) dpkg-dev (dpkg-shlibdeps), lintian,
# desktop-file-utils, appstream, man-db and bash-completion; clang with its sanitizer and libFuzzer run-time
# (libclang-rt-dev, only recommended by clang) for the fuzz targets; poppler-utils (pdftotext) to read the text of
# the PDF reports back.
TEST_PACKAGES=(poppler-utils python3-torch python3-torchvision python3-skimage python3-matplotlib python3-pil python3-yaml xvfb
               xauth slurm-wlm munge dpkg-dev lintian desktop-file-utils appstream man-db groff-base bash-completion
               clang libclang-rt-dev)
# The model the window starts with, whose weights run offers to download.
DEFAULT_MODEL=resnet50

say() { printf '\033[1mquickstart:\033[0m %s\n' "$*" >&2; }

missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || echo "$pkg"
    done
}

ensure_packages() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    local line="apt-get install -y --no-install-recommends ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            say "these Debian packages are missing: ${missing[*]}"
            say "install them as root, then run this again:"
            echo "  sudo apt-get update && sudo $line" >&2
            exit 1
        fi
    fi
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" $line
}

# build [TARGET...]: configures once (with the test suite, for run and test alike; later changes to the CMake files
# are picked up by the build itself), then builds the targets (default: everything).
build() {
    if ! grep -qs '^CONVLENS_BUILD_TESTS:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt"; then
        say "configuring $BUILD_DIR"
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONVLENS_BUILD_TESTS=ON >/dev/null
    fi
    say "building ${*:-everything} ($JOBS jobs)"
    cmake --build "$BUILD_DIR" -j "$JOBS" ${1:+--target "$@"}
}

# First run: without the default model's weights the predictions cannot be real. Offer to download them (with
# progress, from download.pytorch.org or $CONVLENS_WEIGHTS_MIRROR); offline or declined, say which file to put where.
offer_weights() {
    local cli="$BUILD_DIR/app/convlens-cli"
    "$cli" weights path "$DEFAULT_MODEL" >/dev/null 2>&1 && return 0
    if [ -t 0 ] && [ -t 2 ]; then
        local answer
        printf '\033[1mquickstart:\033[0m the %s weights (about 100 MB) are missing: download them now? [Y/n] ' \
            "$DEFAULT_MODEL" >&2
        read -r answer || answer=n
        case "$answer" in
            "" | [Yy]*)
                "$cli" weights fetch "$DEFAULT_MODEL" && return 0
                say "the download failed (see above)"
                ;;
        esac
    fi
    say "without weights the predictions are not real. To get them, run"
    echo "  $cli weights fetch $DEFAULT_MODEL" >&2
    say "or, offline, copy the file yourself:"
    { "$cli" weights path "$DEFAULT_MODEL" 2>&1 >/dev/null || true; } | sed 's/^convlens-cli: /  /' >&2
}

# The sanitizer checks after the normal tests (docs/FUZZING.md). Each build (presets asan, tsan, fuzz) reuses the
# fixtures build/release generated (a symlink; the fixture steps are skipped with -FS), so nothing is generated
# twice. ASan and TSan options and suppressions, each with its reason: tests/fuzz/sanitizer.env.
# Left out under ASan, each for its reason:
# - slurm.batch_array (starts Slurm daemons around an unchanged convlens-cli), packaging.deb (packs the build tree
#   into a .deb and lints it), ui.screenshots (Xvfb + openbox screenshots for people to look at), the Python-only
#   checks (registry.*, build.torch_free) and the fixture generators (fixture.*: their files are build/release's
#   already): they run no code of ours that the other tests do not;
# - hostile.cli runs every program under an address-space cap (RLIMIT_AS) to prove that no hostile file makes it
#   allocate without bound; ASan reserves about 16 TiB of shadow address space and cannot start under any cap. The
#   same files reach the same readers under ASan through hostile.window, the unit tests and the fuzz targets;
# - two latency limits of the window (MainWindowTest.EventLoopNeverStallsWhileAnalysesRun: no stall over 100 ms;
#   ...ScoreCamSaysHowLongItTakesAndEscStopsItWithinASecond) measure speed, which instrumentation takes away
#   (452 ms and 1.06 s measured under ASan on the loaded 2-core machine); the release run holds them, and the
#   paths they drive (analyses, model switches, a cancelled Score-CAM) run under ASan in the other window tests.
ASAN_EXCLUDE='^(slurm\.batch_array|packaging\.deb|ui\.screenshots|registry\.torchvision_blocks|registry\.imagenet_labels|build\.torch_free|fixture\..*|hostile\.cli|MainWindowTest\.EventLoopNeverStallsWhileAnalysesRun|MainWindowTest\.ScoreCamSaysHowLongItTakesAndEscStopsItWithinASecond)$'
# The threaded rooms under TSan: the job service and result cache (tests/jobs), the session (tests/session) and
# the batch runner's decoding and side-by-side passes (tests/batch).
TSAN_TARGETS=(jobs_test engine_test session_test batchfiles_test batchstats_test)
TSAN_TEST_DIRS=(tests/jobs tests/session tests/batch)

# sanitized_build PRESET TARGET...: configures build/PRESET from its preset once, links build/release's fixtures
# into it, and builds the targets.
sanitized_build() {
    local preset="$1" dir="$ROOT/build/$1"
    shift
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        say "configuring $dir (preset $preset)"
        cmake --preset "$preset" -S "$ROOT" >/dev/null
    fi
    [ -e "$dir/fixtures" ] || ln -s "$BUILD_DIR/fixtures" "$dir/fixtures"
    say "building the $preset preset: ${*:-everything} ($JOBS jobs)"
    cmake --build "$dir" -j "$JOBS" ${1:+--target "$@"}
}

sanitizer_tests() {
    local start=$SECONDS
    # shellcheck source=../tests/fuzz/sanitizer.env
    source "$ROOT/tests/fuzz/sanitizer.env"
    # The whole tree under ASan is about 300 compile steps: an hour on two cores with a cold ccache, a few minutes
    # of linking with a warm one (CCACHE_NOHASHDIR above lets a clone reuse the entries).
    if [ "${CONVLENS_ASAN:-1}" = 1 ]; then
        sanitized_build asan
        say "running the tests under ASan + UBSan"
        ctest --test-dir "$ROOT/build/asan" --output-on-failure -j "$JOBS" --no-tests=error -FS '.*' -E "$ASAN_EXCLUDE"
    fi
    # Debian's Qt is not built with TSan: ConvLens's own threads hand work and results over through
    # core/common/handover.h, which states each hand-over where TSan sees it (docs/FUZZING.md).
    if [ "${CONVLENS_TSAN:-1}" = 1 ]; then
        sanitized_build tsan "${TSAN_TARGETS[@]}"
        say "running the jobs, cache and session tests under TSan"
        local dir
        for dir in "${TSAN_TEST_DIRS[@]}"; do
            ctest --test-dir "$ROOT/build/tsan/$dir" --output-on-failure -j "$JOBS" --no-tests=error -FS '.*'
        done
    fi
    say "fuzzing each target for ${CONVLENS_FUZZ_SECONDS:-20}s (and replaying its regression inputs)"
    CONVLENS_FIXTURE_DIR="$BUILD_DIR/fixtures" "$ROOT/tests/fuzz/run.sh" "${CONVLENS_FUZZ_SECONDS:-20}"
    say "sanitizer checks took $((SECONDS - start))s"
}

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    run)
        ensure_packages "${BUILD_PACKAGES[@]}"
        build convlens convlens-cli convlens-cli-engine convlens_docs
        offer_weights
        if [ $# -eq 0 ]; then
            set -- "$ROOT/resources/samples/chelsea.jpg"
        fi
        # The desktop application on the sample photo (or on the images and folders given). Without a display,
        # say so and classify on the command line instead.
        if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
            say "no display (DISPLAY is unset): classifying with convlens-cli instead of opening the window"
            exec "$BUILD_DIR/app/convlens-cli" predict --model "$DEFAULT_MODEL" "$@"
        fi
        exec "$BUILD_DIR/app/convlens" "$@"
        ;;
    test)
        ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        build
        say "running the tests"
        ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --no-tests=error
        [ "${CONVLENS_SANITIZER_TESTS:-1}" = 0 ] || sanitizer_tests
        ;;
    *)
        usage
        ;;
esac
