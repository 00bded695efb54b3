#!/bin/bash
# Issue 12's comparison, in one run on one machine: ConvLens (convlens_bench's analysis benchmarks) against the
# Python pipeline it replaces (reference_pipeline.py) and a bare LibTorch forward, for five models, with the same
# photos, checkpoints and thread count on both sides. Writes BENCHMARKS.md at the repository root (or --out) and
# keeps the raw JSON in --results.
#
#   tests/bench/run.sh [BUILD_DIR] [--threads N] [--repetitions N] [--min-time S] [--models a,b,...]
#                      [--busy | --no-busy] [--busy-models a,b] [--busy-repetitions N] [--busy-threads N]
#                      [--no-scorecam | --scorecam-models a,b] [--batch-rounds N]
#                      [--out FILE] [--results DIR]
#
# --repetitions: rounds per model (default 5; more, up to twice that, while the medians still move by > 5 %).
# Score-CAM (hundreds of masked forward passes) is timed once per model (--scorecam-models: only these);
# --no-scorecam skips it. Faster Score-CAM is timed with the other methods.
# --batch-rounds: rounds of the folder-batch throughput benchmarks per model (default 3; 0 skips them).
#
# Builds nothing: BUILD_DIR (default build/release) must hold tests/bench/convlens_bench and app/convlens-cli
# (`cmake --build BUILD_DIR --target convlens_bench`) and the seeded checkpoints of `ctest -R fixture.models`
# (BUILD_DIR/fixtures/models; or set CONVLENS_BENCH_MODELS). Each model is measured on both sides one after the
# other, so both see the same machine. With --busy (the default) a second pass runs the per-image benchmarks
# beside one competing busy process (`yes > /dev/null`), recorded in its own section; there ConvLens runs with
# --busy-threads (default 0: automatic, what its programs do by default: all cores less those other programs keep
# busy) and Python with --threads, as a user of each would.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build/release
THREADS=2
REPETITIONS=5
BUSY_REPETITIONS=3
MIN_TIME=0.5
MODELS=resnet18,resnet50,mobilenet_v3_large,convnext_tiny,efficientnet_b3
BUSY=1
BUSY_MODELS=
BUSY_THREADS=0
SCORECAM=1
BATCH_ROUNDS=3
OUT=$ROOT/BENCHMARKS.md
RESULTS=
PYTHON=/usr/bin/python3

while [ $# -gt 0 ]; do
    case $1 in
        --threads) THREADS=$2; shift ;;
        --repetitions) REPETITIONS=$2; shift ;;
        --busy-repetitions) BUSY_REPETITIONS=$2; shift ;;
        --min-time) MIN_TIME=$2; shift ;;
        --models) MODELS=$2; shift ;;
        --busy) BUSY=1 ;;
        --no-busy) BUSY=0 ;;
        --busy-models) BUSY_MODELS=$2; shift ;;
        --busy-threads) BUSY_THREADS=$2; shift ;;
        --no-scorecam) SCORECAM=0 ;;
        --scorecam-models) SCORECAM_MODELS=$2; shift ;;
        --batch-rounds) BATCH_ROUNDS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --results) RESULTS=$2; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) BUILD=$(cd "$1" && pwd) ;;
    esac
    shift
done
BUSY_MODELS=${BUSY_MODELS:-$MODELS}
SCORECAM_MODELS=${SCORECAM_MODELS:-$MODELS}
RESULTS=${RESULTS:-$BUILD/bench-results}
BENCH=$BUILD/tests/bench/convlens_bench
export CONVLENS_BENCH_MODELS=${CONVLENS_BENCH_MODELS:-$BUILD/fixtures/models}
export CONVLENS_BENCH_THREADS=$THREADS
export OMP_NUM_THREADS=$THREADS
export QT_QPA_PLATFORM=offscreen

[ -x "$BENCH" ] || { echo "run.sh: $BENCH is missing: cmake --build $BUILD --target convlens_bench" >&2; exit 1; }
[ -d "$CONVLENS_BENCH_MODELS" ] || {
    echo "run.sh: no checkpoints in $CONVLENS_BENCH_MODELS: run 'ctest --test-dir $BUILD -R fixture.models'" >&2
    exit 1
}
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.txt

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Environment of the run, for the report.
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "cores=$(nproc)"
    echo "memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "libtorch=$(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo unknown)"
    echo "python_torch=$(dpkg-query -W -f='${Version}' python3-torch 2>/dev/null || echo unknown)"
    echo "python_torchvision=$(dpkg-query -W -f='${Version}' python3-torchvision 2>/dev/null || echo unknown)"
    echo "compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" | xargs -r -I{} sh -c '{} --version | head -1')"
    echo "build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
    echo "threads=$THREADS"
    echo "busy_threads=$BUSY_THREADS"
    echo "repetitions=$REPETITIONS"
    echo "batch_rounds=$BATCH_ROUNDS"
    echo "min_time=$MIN_TIME"
    echo "models_dir=$CONVLENS_BENCH_MODELS"
    echo "bench=$BENCH"
    echo "load_before=$(loadavg)"
} > "$RESULTS/environment.txt"

# bench TAG FILTER [REPETITIONS]: convlens_bench's JSON for the benchmarks matching FILTER.
bench() {
    local tag=$1 filter=$2 reps=${3:-$REPETITIONS}
    local cmd=("$BENCH" "--benchmark_filter=$filter" "--benchmark_repetitions=$reps" "--benchmark_min_time=$MIN_TIME"
               "--benchmark_display_aggregates_only=true" "--benchmark_out_format=json"
               "--benchmark_out=$RESULTS/cpp_$tag.json")
    echo "${cmd[*]}" >> "$RESULTS/commands.txt"
    echo "load $(loadavg): $tag" >&2
    # An automatic thread count keeps OMP_NUM_THREADS when it is set (core/common/threads.h): unset it for them.
    local unset=()
    [ "$CONVLENS_BENCH_THREADS" != 0 ] || unset=(-u OMP_NUM_THREADS)
    env "${unset[@]}" "${cmd[@]}" 2>&1 | grep -v 'libpng warning' >&2
}

# reference TAG MODEL [REPETITIONS]: reference_pipeline.py's JSON for MODEL.
reference() {
    local tag=$1 model=$2 reps=${3:-$REPETITIONS}
    local cmd=("$PYTHON" "$ROOT/tests/bench/reference_pipeline.py" --weights-dir "$CONVLENS_BENCH_MODELS"
               --models "$model" --threads "$THREADS" --repetitions "$reps")
    echo "${cmd[*]}" >> "$RESULTS/commands.txt"
    echo "load $(loadavg): python $tag" >&2
    "${cmd[@]}" > "$RESULTS/py_$tag.json"
}

# stable TAG: whether the rounds of TAG so far leave the same-work medians of both sides where the rounds before
# the last one put them (within 5 %).
stable() { "$PYTHON" "$ROOT/tests/bench/benchmarks_report.py" --results "$RESULTS" --stable "$1"; }

# One pass over MODELS; PREFIX names its files. WHICH: the C++ benchmarks per model (names between "BM_" and
# "/MODEL"); METHODS: the CAM methods timed per model besides Score-CAM (empty: none). Per model, rounds of one
# repetition of each side in turn (so a burst of other work on the machine hits both sides alike), ROUNDS of them,
# then more while the medians still move, up to twice ROUNDS.
run_pass() {
    local prefix=$1 which=$2 methods=$3 models=$4 rounds=$5
    echo "${prefix}_load_before=$(loadavg)" >> "$RESULTS/environment.txt"
    bench "${prefix}_common" '^BM_Decode(/|$)|^BM_CliStartup/models|^BM_WindowFirstPaint' "$rounds"
    for model in ${models//,/ }; do
        local filter="^BM_($which)/$model(/|\$)"
        [ -z "$methods" ] || filter="$filter|^BM_CamMethod/$model/($methods)(/|\$)"
        local round=1
        while :; do
            bench "${prefix}_${model}_r$round" "$filter" 1
            reference "${prefix}_${model}_r$round" "$model" 1
            if [ "$round" -ge "$rounds" ] && { [ "$round" -ge $(( 2 * rounds )) ] || stable "${prefix}_$model"; }; then
                break
            fi
            round=$(( round + 1 ))
        done
        echo "${prefix}_${model}_rounds=$round" >> "$RESULTS/environment.txt"
        if [ "$prefix" = quiet ] && [ "$SCORECAM" = 1 ] && [[ ",$SCORECAM_MODELS," == *",$model,"* ]]; then
            bench "${prefix}_${model}_scorecam" "^BM_CamMethod/$model/scorecam(/|\$)" 1
        fi
    done
    echo "${prefix}_load_after=$(loadavg)" >> "$RESULTS/environment.txt"
}

: > "$RESULTS/commands.txt"
run_pass quiet 'Load|Preprocess|BareForward|FirstOverlay|SwitchCamLayer|FullAnalysis|SameWork|CacheHit|SwitchView' \
    'gradcam|gradcampp|xgradcam|layercam|hirescam|eigencam|guided|guidedgradcam|fasterscorecam' "$MODELS" "$REPETITIONS"

# Folder batches: the raw batched forward at the model's registry batch size (one pass on all threads, and one pass
# per thread side by side, one thread each) against the whole batch (96 JPEG files read, decoded, preprocessed,
# classified, recorded). Rounds of one repetition of each in turn.
registry_batch_size() {
    "$PYTHON" -c 'import sys, yaml
for m in yaml.safe_load(open(sys.argv[1]))["models"]:
    if m["id"] == sys.argv[2]:
        print(m.get("batch_size", 8))' "$ROOT/model_registry.yaml" "$1"
}
if [ "$BATCH_ROUNDS" -gt 0 ]; then
    echo "batch_load_before=$(loadavg)" >> "$RESULTS/environment.txt"
    for model in ${MODELS//,/ }; do
        size=$(registry_batch_size "$model")
        echo "batch_${model}_size=$size" >> "$RESULTS/environment.txt"
        for round in $(seq 1 "$BATCH_ROUNDS"); do
            bench "batch_${model}_r$round" "^BM_(BatchedForward|BatchedForwardStreams|BatchRunner)/$model/$size/" 1
        done
    done
    echo "batch_load_after=$(loadavg)" >> "$RESULTS/environment.txt"
fi

if [ "$BUSY" = 1 ]; then
    yes > /dev/null &
    BUSY_PID=$!
    trap 'kill $BUSY_PID 2>/dev/null || true' EXIT
    echo "busy_process=yes > /dev/null (pid $BUSY_PID)" >> "$RESULTS/environment.txt"
    CONVLENS_BENCH_THREADS=$BUSY_THREADS run_pass busy 'BareForward|FirstOverlay|SameWork' '' "$BUSY_MODELS" \
        "$BUSY_REPETITIONS"
    kill "$BUSY_PID" 2>/dev/null || true
    trap - EXIT
fi
echo "load_after=$(loadavg)" >> "$RESULTS/environment.txt"

"$PYTHON" "$ROOT/tests/bench/benchmarks_report.py" --results "$RESULTS" --models "$MODELS" --out "$OUT"
echo "run.sh: wrote $OUT (raw results in $RESULTS)" >&2
