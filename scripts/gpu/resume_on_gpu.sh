#!/bin/bash
# Needs a CUDA GPU and ../shared data; the test suite only checks its syntax and usage line.
# Continue tasks from the shipped weights, side by side on one GPU, as the shipped denoise,
# inpaint and segment weights were last trained (2026-11-24, one H100, 21 minutes each; one
# GPU is far from busy with one of these small models, so several share it, each fed by
# its own data-loading workers). Run from the repository root:
#   bash scripts/gpu/resume_on_gpu.sh MINUTES [DATA [TASK...]]
# TASK defaults to the two whose goals are still open (denoise, inpaint); with segment
# added the 16 cores feed three trainings instead of two, so each gets fewer workers.
# New weights land in runs/<task>/<task>.safetensors; benchmark them before they replace weights/.
set -euo pipefail
minutes=${1:?usage: resume_on_gpu.sh MINUTES [DATA [TASK...]]}
data=${2:-../shared/datasets/bsds432}
tasks=("${@:3}")
[ ${#tasks[@]} -gt 0 ] || tasks=(denoise inpaint)
restore=(python3 -m restorer train)
# Workers: crops per second per core were measured at 782 (denoise, 128 px), 52 (inpaint,
# 256 px) and 124 (segment, 192 px); inpaint's corruption pipeline is what needs the cores.
declare -A args=(
  [denoise]="--batch-size 32 --patch 128 --lr 3e-4 --val-every 1000"
  [inpaint]="--batch-size 16 --patch 256 --lr 5e-4 --val-every 500"
  [segment]="--batch-size 16 --patch 192 --lr 3e-4 --val-every 1000"
)
if [ ${#tasks[@]} -ge 3 ]; then
  declare -A workers=([denoise]=2 [inpaint]=7 [segment]=4)
else
  declare -A workers=([denoise]=4 [inpaint]=10 [segment]=6)
fi
mkdir -p runs
for task in "${tasks[@]}"; do
  # --continue: the shipped file's own training goes on (its steps, minutes and LR schedule; fresh optimiser)
  # shellcheck disable=SC2086  # the settings are meant to split into words
  OMP_NUM_THREADS=1 "${restore[@]}" "$task" --data "$data" --from "weights/$task.safetensors" --continue \
    --out "runs/$task" --minutes "$minutes" \
    --device cuda --checkpoint-minutes 3 --workers "${workers[$task]}" ${args[$task]} > "runs/$task.log" 2>&1 &
done
wait
for task in "${tasks[@]}"; do tail -n 1 "runs/$task/log.jsonl"; done
