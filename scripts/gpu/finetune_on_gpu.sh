#!/bin/bash
# Needs a CUDA GPU; the test suite only checks its syntax and usage line.
# Fine-tune the damage detector and the hint-reading colorizer side by side on one GPU, from the
# shipped weights (prepared 2026-12-04 for 7 minutes each on a lent H200; that session was then refused a
# machine, so it has not run on one yet). Run from the repository root:
#   bash scripts/gpu/finetune_on_gpu.sh MINUTES DATA VAL [DEVICE]
# DATA: training photos (searched recursively); VAL: held-out photos, never trained on (also the
# detector's calibration photos). A lent machine has no ../shared: scripts/gpu/pack_data.py writes
# both into an ignored folder of the checkout to carry (the exact command is in its docstring).
# New weights land in runs/gpu_<task>/<task>.safetensors; benchmark them before they replace weights/. A detector
# must also keep oldphoto's held-out PSNR (scripts/experiments/oldphoto_threshold.py): a CPU fine-tune that
# raised IoU everywhere lost 0.3 dB there (docs/history/segment.md, 2026-12-04), so the detector trains with
# --loss repair-weighted, the loss of all three CPU fine-tunes that gained there (docs/history/oldphoto.md).
set -euo pipefail
minutes=${1:?usage: finetune_on_gpu.sh MINUTES DATA VAL [DEVICE]}
data=${2:?usage: finetune_on_gpu.sh MINUTES DATA VAL [DEVICE]}
val=${3:?usage: finetune_on_gpu.sh MINUTES DATA VAL [DEVICE]}
device=${4:-cuda}
cores=$(nproc)
# Crops per second per core (2026-12-04, this machine's CPUs): segment 82 at 192 px (the damage
# pipeline), colorize with hint maps 67 at 128 px; the detector gets 3/5 of the cores' workers.
seg_workers=$(( cores * 3 / 5 > 1 ? cores * 3 / 5 : 1 ))
col_workers=$(( cores - seg_workers - 2 > 1 ? cores - seg_workers - 2 : 1 ))
common=(--data "$data" --val "$val" --minutes "$minutes" --device "$device" --checkpoint-minutes 2 --lr 3e-4)
mkdir -p runs
OMP_NUM_THREADS=1 python3 -m restorer train segment "${common[@]}" --from weights/segment.safetensors \
  --loss repair-weighted --out runs/gpu_segment --batch-size 32 --patch 192 --val-every 1000 --workers "$seg_workers" \
  > runs/gpu_segment.log 2>&1 &
OMP_NUM_THREADS=1 python3 -m restorer train colorize "${common[@]}" --hint-inputs --from weights/colorize.safetensors \
  --out runs/gpu_colorize --batch-size 32 --patch 128 --val-every 1000 --workers "$col_workers" > runs/gpu_colorize.log 2>&1 &
status=0
wait -n || status=1
wait -n || status=1
for task in segment colorize; do tail -n 2 "runs/gpu_$task.log"; done
exit $status
