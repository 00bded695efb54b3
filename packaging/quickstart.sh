#!/usr/bin/env bash
# ConvLens quick start.
#   packaging/quickstart.sh run [IMAGE...]   install what is missing, build (Release), start ConvLens
#   packaging/quickstart.sh test             install what is missing (with test tools), build, run every test
# Idempotent: installed packages and an existing build are reused. Packages come from Debian (apt-get), as root,
# through sudo when not root; otherwise the exact apt-get line is printed and the script stops.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${CONVLENS_BUILD_DIR:-$ROOT/build/release}"
JOBS="${CONVLENS_JOBS:-$(nproc)}"
# Paths relative to the checkout in ccache's keys, so another clone (CI's) reuses the same cache entries.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"

# Build and runtime. libopenblas0-pthread: libtorch multiplies Linear layers through whatever libblas.so.3 is,
# and Debian's reference BLAS makes ConvNeXt 14x slower.
BUILD_PACKAGES=(cmake ninja-build g++ ccache libtorch-dev qt6-base-dev libyaml-cpp-dev libopenblas0-pthread
                qt6-image-formats-plugins)
# Tests: GoogleTest, and python3-torchvision as the reference implementation (never used at run time),
# python3-skimage for real photos, Xvfb for the GUI checks.
TEST_PACKAGES=(libgtest-dev libgmock-dev libbenchmark-dev python3-torch python3-torchvision python3-skimage python3-matplotlib python3-pil python3-yaml xvfb xauth slurm-wlm munge)

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

# build ON|OFF: configures (cheap when nothing changed) with or without the test suite, then builds.
build() {
    say "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCONVLENS_BUILD_TESTS="$1" >/dev/null
    say "building ($JOBS jobs)"
    cmake --build "$BUILD_DIR" -j "$JOBS"
}

usage() {
    sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    run)
        ensure_packages "${BUILD_PACKAGES[@]}"
        build OFF
        if [ $# -eq 0 ]; then
            set -- "$ROOT/resources/samples/chelsea.jpg"
        fi
        # The desktop application on the sample photo (or on the images and folders given). Without a display,
        # say so and classify on the command line instead.
        if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
            say "no display (DISPLAY is unset): classifying with convlens-cli instead of opening the window"
            exec "$BUILD_DIR/app/convlens-cli" predict --model resnet50 "$@"
        fi
        exec "$BUILD_DIR/app/convlens" "$@"
        ;;
    test)
        ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
        build ON
        say "running the tests"
        ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --no-tests=error
        ;;
    *)
        usage
        ;;
esac
