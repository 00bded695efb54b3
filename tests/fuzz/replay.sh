#!/usr/bin/env bash
# replay.sh FUZZ_BINARY PATH...: runs a fuzz target once on every file under the PATHs (files or folders), e.g. its
# regression inputs and seed corpus. Works for libFuzzer binaries (which fuzz forever when given a folder, so the
# folders are expanded into files here) and for the replay_main builds alike. Exit status: the target's.
set -euo pipefail
binary="$1"
shift
files=()
for path in "$@"; do
    [ -e "$path" ] || continue
    while IFS= read -r -d '' file; do
        files+=("$file")
    done < <(find "$path" -type f ! -name '.*' -print0 | sort -z)
done
if [ "${#files[@]}" -eq 0 ]; then
    echo "replay: no inputs under $*"
    exit 0
fi
echo "replay: ${#files[@]} inputs"
# -rss_limit_mb/-timeout only mean something to libFuzzer; replay_main takes no options.
if "$binary" -help=1 2>&1 | grep -q 'rss_limit_mb'; then
    exec "$binary" -rss_limit_mb=4096 -timeout=60 "${files[@]}"
fi
exec "$binary" "${files[@]}"
