#!/usr/bin/env bash
# Builds the Debian package from a built tree (cpack installs what is built; nothing is compiled) and checks it as a
# user's system would see it: lintian, desktop-file-validate and appstreamcli find no errors, the versions agree,
# and the programs unpacked into a scratch root (dpkg-deb -x, no environment pointing them anywhere) find their
# data relative to themselves: `convlens-cli models` and `predict` on the sample photo, their man pages and bash
# completion, and the window's screenshot tour under Xvfb.
# Usage: check_deb.sh BUILD_DIR WORK_DIR WEIGHTS_DIR VERSION SOURCE_DIR
set -euo pipefail
build=$1
work=$2
weights=$3
version=$4
source=$5

step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

rm -rf "$work"
mkdir -p "$work"
# A private home: the user's settings, caches and weights are never read or written.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/config XDG_CACHE_HOME=$work/home/cache
export XDG_RUNTIME_DIR=$work/home/runtime OMP_NUM_THREADS=2 CACHE_DISK=0
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset CONVLENS_DATA_DIR CONVLENS_WEIGHTS_DIR TORCH_HOME LD_LIBRARY_PATH QT_QPA_PLATFORM

step "cpack"
(cd "$build" && cpack -G DEB -B "$work/cpack" --config CPackConfig.cmake >"$work/cpack.log") ||
    { cat "$work/cpack.log"; fail "cpack could not build the package"; }
deb=$(ls "$work"/cpack/convlens_"$version"_*.deb)
dpkg-deb --info "$deb"

step "package fields"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is $(dpkg-deb -f "$deb" Version), not $version"
[ "$(dpkg-deb -f "$deb" Section)" = science ] || fail "Section is not science"
depends=$(dpkg-deb -f "$deb" Depends)
for package in libopenblas0-pthread qt6-image-formats-plugins libqt6gui6 libtorch libyaml-cpp libjpeg62-turbo libssl3; do
    grep -q "$package" <<<"$depends" || fail "Depends lacks $package: $depends"
done

step "lintian"
# Errors fail; warnings and notes are shown for a person to weigh.
status=0
lintian --fail-on error --display-info "$deb" >"$work/lintian.txt" 2>&1 || status=$?
grep -v "running with root privileges" "$work/lintian.txt" || true
[ "$status" -eq 0 ] || fail "lintian reports errors"

step "unpack"
root=$work/root
dpkg-deb -x "$deb" "$root"
for path in usr/bin/convlens usr/bin/convlens-cli usr/libexec/convlens/convlens-cli-engine \
            usr/share/convlens/model_registry.yaml usr/share/convlens/resources/samples/chelsea.jpg \
            usr/share/applications/convlens.desktop usr/share/icons/hicolor/scalable/apps/convlens.svg \
            usr/share/icons/hicolor/48x48/apps/convlens.png usr/share/icons/hicolor/256x256/apps/convlens.png \
            usr/share/man/man1/convlens.1.gz usr/share/man/man1/convlens-cli.1.gz \
            usr/share/bash-completion/completions/convlens-cli usr/share/doc/convlens/copyright; do
    [ -e "$root/$path" ] || fail "the package has no /$path"
done
if readelf -d "$root/usr/bin/convlens" "$root/usr/bin/convlens-cli" "$root/usr/libexec/convlens/convlens-cli-engine" |
    grep -E 'RPATH|RUNPATH'; then
    fail "an installed program carries a library search path"
fi

step "desktop entry and AppStream metadata"
desktop-file-validate "$root/usr/share/applications/convlens.desktop"
metainfo=$(ls "$root"/usr/share/metainfo/*.metainfo.xml)
appstreamcli validate --no-net "$metainfo"
newest=$(grep -o -m1 '<release version="[^"]*"' "$metainfo" | cut -d'"' -f2)
[ "$newest" = "$version" ] || fail "the newest release in $(basename "$metainfo") is $newest, not $version: add its notes"
changelog=$(zcat "$root/usr/share/doc/convlens/changelog.gz" | head -1)
[[ $changelog == "convlens ($version) "* ]] || fail "the changelog's newest entry is '$changelog', not $version"

step "man pages"
for page in convlens convlens-cli; do
    text=$(MANWIDTH=100 man --warnings -l "$root/usr/share/man/man1/$page.1.gz" 2>"$work/man-$page.err")
    [ ! -s "$work/man-$page.err" ] || { cat "$work/man-$page.err"; fail "groff warns about $page.1"; }
    grep -q "ConvLens $version" <<<"$text" || fail "$page(1) does not name version $version"
    grep -q -- "--registry" <<<"$text" || fail "$page(1) lacks the options"
    echo "$page(1): $(wc -l <<<"$text") lines"
done
MANWIDTH=100 man -l "$root/usr/share/man/man1/convlens-cli.1.gz" | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p'

# Every program below runs from the scratch root with no variable telling it where its data is. To see that the
# data comes from there (and not from the source tree the programs were built from), the unpacked class names are
# marked.
sed -i 's/^/pkg:/' "$root/usr/share/convlens/resources/labels/imagenet1k.txt"
bin=$root/usr/bin
photo=$root/usr/share/convlens/resources/samples/chelsea.jpg

step "convlens-cli --version, convlens --version"
[ "$("$bin/convlens-cli" --version)" = "convlens-cli $version" ] || fail "convlens-cli --version: $("$bin/convlens-cli" --version)"
gui_version=$(QT_QPA_PLATFORM=offscreen "$bin/convlens" --version 2>/dev/null)
[ "$gui_version" = "ConvLens $version" ] || fail "convlens --version: $gui_version"
echo "convlens-cli $version; $gui_version"

step "convlens-cli models"
CONVLENS_WEIGHTS_DIR=$weights "$bin/convlens-cli" models | tee "$work/models.txt"
grep -q "^resnet50 .*$weights/resnet50-" "$work/models.txt" || fail "models does not find resnet50's fixture weights"

step "convlens-cli predict"
CONVLENS_WEIGHTS_DIR=$weights "$bin/convlens-cli" predict "$photo" --model resnet50 --top-k 3 | tee "$work/predict.txt"
grep -q "pkg:" "$work/predict.txt" || fail "predict did not read the class names of the unpacked package"

step "bash completion"
completions=$(PATH=$bin:$PATH CONVLENS_WEIGHTS_DIR=$weights bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"
    complete_words() {
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _convlens_cli convlens-cli "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
        echo "${COMPREPLY[*]}"
    }
    complete_words convlens-cli pre
    complete_words convlens-cli predict --mod
    complete_words convlens-cli predict --model resnet
    complete_words convlens-cli weights fe' _ "$root/usr/share/bash-completion/completions/convlens-cli")
echo "$completions"
[ "$completions" = $'predict\n--model\nresnet18 resnet50\nfetch' ] || fail "unexpected completions"

step "convlens --screenshots under Xvfb"
# The window as the screenshot test runs it (Xvfb, fixture weights, the tour), from the unpacked root.
bash "$source/tests/ui/screenshots.sh" "$bin/convlens" "$work/screenshots" "$weights" "$photo"

echo
echo "OK: $(basename "$deb")"
