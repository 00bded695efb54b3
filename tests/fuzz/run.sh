#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...]: fuzzes each target (default: all of checkpoint safetensors registry image)
# for SECONDS, one after the other, with libFuzzer + ASan + UBSan (docs/FUZZING.md).
#   - configures build/fuzz (preset fuzz, clang) when it is not, and builds the targets;
#   - writes the seed corpora with make_seeds.py (from the fixtures of build/release, or $CONVLENS_FIXTURE_DIR);
#   - keeps each target's growing corpus in build/fuzz/corpus/<target> (seeds and regressions/<target> are read,
#     never written);
#   - prints executions, coverage (cov: edges, ft: features) and corpus size per target, and the log's path;
#   - saves crashes, leaks, timeouts and out-of-memory inputs in build/fuzz/findings/<target>/ and exits non-zero
#     when a target found one (or failed to run).
# Environment: CONVLENS_FUZZ_BUILD_DIR (default build/fuzz), CONVLENS_JOBS (build jobs, default nproc),
# CONVLENS_FIXTURE_DIR. Run it under `nice` on a shared machine: each target uses one core.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/fuzz"
BUILD_DIR="${CONVLENS_FUZZ_BUILD_DIR:-$ROOT/build/fuzz}"
JOBS="${CONVLENS_JOBS:-$(nproc)}"
FIXTURES="${CONVLENS_FIXTURE_DIR:-$ROOT/build/release/fixtures}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
# shellcheck source=sanitizer.env
source "$HERE/sanitizer.env"

usage() {
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[ $# -ge 1 ] && [[ "$1" =~ ^[0-9]+$ ]] || usage
seconds="$1"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(checkpoint safetensors registry image)

# Per target: the longest input (bytes) and the dictionary. 64 KiB covers every seed; the safetensors target
# reads a header, not tensor data.
declare -A MAX_LEN=([checkpoint]=65536 [safetensors]=16384 [registry]=32768 [image]=65536)

say() { printf '\033[1mfuzz:\033[0m %s\n' "$*" >&2; }

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring $BUILD_DIR (preset fuzz)"
    if [ "$BUILD_DIR" = "$ROOT/build/fuzz" ]; then
        cmake --preset fuzz -S "$ROOT" >/dev/null
    else
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCONVLENS_SANITIZE=address;undefined" -DCONVLENS_FUZZ=ON \
            >/dev/null
    fi
fi
say "building ${targets[*]/#/fuzz_} ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]/#/fuzz_}"

seeds="$BUILD_DIR/seeds"
if [ ! -d "$seeds" ] || [ "$HERE/make_seeds.py" -nt "$seeds" ]; then
    say "writing the seed corpora into $seeds"
    /usr/bin/python3 "$HERE/make_seeds.py" --out "$seeds" ${FIXTURES:+--fixtures "$FIXTURES"} >&2
    touch "$seeds"
fi

status=0
summary=()
for target in "${targets[@]}"; do
    [ -n "${MAX_LEN[$target]:-}" ] || { say "unknown target '$target'"; exit 2; }
    corpus="$BUILD_DIR/corpus/$target"
    findings="$BUILD_DIR/findings/$target"
    log="$BUILD_DIR/logs/$target.log"
    mkdir -p "$corpus" "$findings" "$(dirname "$log")"
    before=$(find "$findings" -type f | wc -l)
    dict=()
    [ -f "$HERE/$target.dict" ] && dict=("-dict=$HERE/$target.dict")
    # A target without a finding yet has no regression folder (git keeps no empty folder).
    inputs=("$corpus" "$seeds/$target")
    [ -d "$HERE/regressions/$target" ] && inputs+=("$HERE/regressions/$target")
    say "fuzzing $target for ${seconds}s (log: $log)"
    for attempt in 1 2; do
        rc=0
        touch "$log.start"
        OMP_NUM_THREADS=1 "$BUILD_DIR/tests/fuzz/fuzz_$target" -max_total_time="$seconds" \
            -max_len="${MAX_LEN[$target]}" -rss_limit_mb=3072 -timeout=30 -print_final_stats=1 \
            -artifact_prefix="$findings/" "${dict[@]}" \
            "${inputs[@]}" >"$log" 2>&1 || rc=$?
        # LeakSanitizer's own tracer can crash on a loaded machine ("LeakSanitizer has encountered a fatal error",
        # seen once on the image target with an empty input that replays clean): a failure of the tool, not a
        # finding. Its artifact is dropped and the run is repeated once; a second failure counts.
        if [ "$rc" -ne 0 ] && [ "$attempt" = 1 ] && grep -q 'LeakSanitizer has encountered a fatal error' "$log"; then
            say "$target: LeakSanitizer itself failed (not a finding); running again"
            find "$findings" -type f -newer "$log.start" -delete
            continue
        fi
        break
    done
    after=$(find "$findings" -type f | wc -l)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(du -sk "$corpus" | cut -f1)
    line="$target: ${execs:-?} executions, cov: ${cov:-?} ft: ${ft:-?}, corpus $files files ($bytes KiB)"
    if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
        line+=", FINDING (exit $rc; $((after - before)) new in $findings)"
        status=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    fi
    say "$line"
    summary+=("$line")
done
printf '%s\n' "${summary[@]}"
exit "$status"
