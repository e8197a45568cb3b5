#!/bin/bash
# Resume denoise, inpaint and segment from the shipped weights, side by side on one GPU,
# as the shipped weights were last trained (2026-11-24, one H100, 21 minutes each; one
# GPU is far from busy with one of these small models, so three share it, each fed by
# its own data-loading workers). Run from the repository root:
#   bash docs/resume_on_gpu.sh MINUTES [DATA]
# New weights land in runs/<task>/<task>.safetensors; benchmark them before they replace weights/.
set -euo pipefail
minutes=${1:?usage: resume_on_gpu.sh MINUTES [DATA]}
data=${2:-../shared/datasets/bsds432}
restore=(python3 -m restorer train)
declare -A args=(
  [denoise]="--batch-size 32 --patch 128 --lr 3e-4 --workers 2 --val-every 1000"
  [inpaint]="--batch-size 16 --patch 256 --lr 5e-4 --workers 7 --val-every 500"
  [segment]="--batch-size 16 --patch 192 --lr 3e-4 --workers 4 --val-every 1000"
)
for task in denoise inpaint segment; do
  PYTHONPATH=. python3 docs/checkpoint_from_weights.py "weights/$task.safetensors" "runs/$task"
  # shellcheck disable=SC2086  # the settings are meant to split into words
  OMP_NUM_THREADS=1 "${restore[@]}" "$task" --data "$data" --resume --out "runs/$task" --minutes "$minutes" \
    --device cuda --checkpoint-minutes 3 ${args[$task]} > "runs/$task.log" 2>&1 &
done
wait
tail -n 1 runs/denoise/log.jsonl runs/inpaint/log.jsonl runs/segment/log.jsonl
