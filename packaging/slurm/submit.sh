#!/usr/bin/env bash
# Submits a ConvLens folder batch to Slurm as a job array of N shards, then the merge that runs once every shard
# has succeeded (README.md next to this file).
#
#   submit.sh [--shards N] [--throttle K] [--merged DIR] [--sbatch OPT]... [--batch-sbatch OPT]...
#             [--merge-sbatch OPT]... --out DIR IMAGE_OR_FOLDER... --model ID[,ID...] [batch options]
#
#   --shards N          array tasks (default: $CONVLENS_SHARDS, else 4)
#   --throttle K        at most K tasks running at once (--array=0-(N-1)%K)
#   --merged DIR        the merged folder (default: OUT/merged)
#   --sbatch OPT        an sbatch option for both jobs, e.g. --sbatch --partition=cpu --sbatch --account=lab
#   --batch-sbatch OPT  an sbatch option for the array only, e.g. --batch-sbatch --cpus-per-task=4
#                       --batch-sbatch --time=2:00:00
#   --merge-sbatch OPT  an sbatch option for the merge only
# Every other argument goes to `convlens-cli batch` (--recursive, --report, --methods, --top-k, --batch-size,
# --threads; --shard, --out and --resume are the job's). Shard I writes OUT/shard-I, the tasks' and the merge's
# logs go to OUT/logs. Environment: CONVLENS_CLI (default convlens-cli on PATH), CONVLENS_WEIGHTS_DIR and the
# rest of this shell's environment reach the jobs (sbatch's default --export=ALL).
#
# Prints, on stdout, ARRAY_JOB_ID=… and MERGE_JOB_ID=… (shell assignments). Exit status: 0 submitted, 2 usage,
# 1 when sbatch refused a job (it says why).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'submit.sh: %s\n' "$*" >&2; }
usage() {
    say "$*"
    say "usage: submit.sh [--shards N] [--throttle K] [--merged DIR] [--sbatch OPT]... [--batch-sbatch OPT]..." \
        "[--merge-sbatch OPT]... --out DIR IMAGE_OR_FOLDER... --model ID[,ID...] [batch options]"
    exit 2
}

shards="${CONVLENS_SHARDS:-4}"
out=""
merged=""
common=()
batch_sbatch=()
merge_sbatch=()
batch_args=()
has_model=0
throttle=""
while [ $# -gt 0 ]; do
    case "$1" in
        --shards) [ $# -ge 2 ] || usage "--shards needs a number"; shards="$2"; shift 2 ;;
        --shards=*) shards="${1#*=}"; shift ;;
        --throttle) [ $# -ge 2 ] || usage "--throttle needs a number"; throttle="$2"; shift 2 ;;
        --throttle=*) throttle="${1#*=}"; shift ;;
        --merged) [ $# -ge 2 ] || usage "--merged needs a folder"; merged="$2"; shift 2 ;;
        --merged=*) merged="${1#*=}"; shift ;;
        --out) [ $# -ge 2 ] || usage "--out needs a folder"; out="$2"; shift 2 ;;
        --out=*) out="${1#*=}"; shift ;;
        --sbatch | --batch-sbatch | --merge-sbatch)
            [ $# -ge 2 ] || usage "$1 needs an sbatch option, e.g. $1 --partition=cpu"
            case "$1" in
                --sbatch) common+=("$2") ;;
                --batch-sbatch) batch_sbatch+=("$2") ;;
                --merge-sbatch) merge_sbatch+=("$2") ;;
            esac
            shift 2
            ;;
        --shard | --shard=* | --resume) usage "$1 is set by the array job itself (--shards N sets how many)" ;;
        --model | --model=*) has_model=1; batch_args+=("$1"); shift ;;
        *) batch_args+=("$1"); shift ;;
    esac
done

[ -n "$out" ] || usage "--out DIR is required: the shards go to DIR/shard-I, the merge to DIR/merged"
[ "$has_model" -eq 1 ] || usage "--model ID[,ID...] is required"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || usage "--shards must be a positive number, not '$shards'"
[ -z "$throttle" ] || [[ "$throttle" =~ ^[1-9][0-9]*$ ]] || usage "--throttle must be a positive number"

out="$(realpath -m -- "$out")"
[ -n "$merged" ] && merged="$(realpath -m -- "$merged")"
mkdir -p -- "$out/logs"

cli="${CONVLENS_CLI:-convlens-cli}"
if ! command -v -- "$cli" >/dev/null; then
    say "warning: '$cli' is not found here; the jobs need it on the compute nodes (set CONVLENS_CLI to its path)"
fi

# The tasks and the merge learn N from the environment, so a task resubmitted on its own still knows it.
export CONVLENS_SHARDS="$shards"

array="0-$((shards - 1))${throttle:+%$throttle}"
array_id="$(sbatch --parsable --array="$array" --output="$out/logs/batch-%A_%a.out" \
    "${common[@]}" "${batch_sbatch[@]}" "$here/convlens-batch.sbatch" "$out" "${batch_args[@]}")" || {
    say "sbatch refused the array job"
    exit 1
}
array_id="${array_id%%;*}"  # --parsable prints "id" or "id;cluster"
say "array job $array_id: $shards shards of '${batch_args[*]}' into $out/shard-0 … shard-$((shards - 1))"

merge_args=("$out")
[ -n "$merged" ] && merge_args+=("$merged")
merge_id="$(sbatch --parsable --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
    --output="$out/logs/merge-%j.out" "${common[@]}" "${merge_sbatch[@]}" \
    "$here/convlens-merge.sbatch" "${merge_args[@]}")" || {
    say "sbatch refused the merge job; the array job $array_id runs anyway: once it has finished, run" \
        "CONVLENS_SHARDS=$shards sbatch $here/convlens-merge.sbatch ${merge_args[*]}"
    exit 1
}
merge_id="${merge_id%%;*}"
say "merge job $merge_id: runs when every task of $array_id succeeded, into ${merged:-$out/merged}"
say "watch with: squeue -j $array_id,$merge_id; logs in $out/logs"

echo "ARRAY_JOB_ID=$array_id"
echo "MERGE_JOB_ID=$merge_id"
