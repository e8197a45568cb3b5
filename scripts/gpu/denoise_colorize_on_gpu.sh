#!/bin/bash
# Needs a CUDA GPU; the test suite only checks its syntax and usage line.
# Fine-tune, side by side on one GPU from the shipped weights: the denoiser a given --sigma runs
# (Gaussian noise as 8-bit files, MSE) at two peak learning rates, chosen between afterwards on
# held-out photos, and the colorizer grown to read hint maps (Zhang et al. 2017). Run from the root:
#   bash scripts/gpu/denoise_colorize_on_gpu.sh MINUTES DATA DENOISE_VAL COLORIZE_VAL [DEVICE]
# DATA: training photos, none of either task's held-out photos (scripts/gpu/pack_data.py --hold-out
# writes them; its docstring has the command). New weights land in runs/gpu_<run>/<task>.safetensors;
# score them on held-out photos (denoise_heldout.py, colorize_auto_sweep.py) before any benchmark.
# The lent machine takes at most 64 MiB of working tree, carried folders included, and the tracked tree
# alone is about 98 MB (docs' pictures, every weights file). Prepared 2026-12-05 (the machine was then
# refused), 62 MiB in all: on a throw-away branch:
#   git checkout -b gpu_slim && git rm -rq docs tests examples $(ls weights/* | grep -v '/denoise\.\|/colorize\.')
#   git commit -qm slim    # then the device command, then: git checkout main && git branch -D gpu_slim
# with the wheels the machine lacks in .whl (segmentation_models_pytorch, albumentations, albucore, pydantic,
# pydantic_core, annotated-types, typing-inspection, simsimd, stringzilla; pip download as the device tool's
# README says) and the photos in .gpu, both carried; the device command, 7.6 minutes of training:
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site &&
#   PYTHONUNBUFFERED=1 timeout 555 bash scripts/gpu/denoise_colorize_on_gpu.sh 7.6 .gpu/train .gpu/held_out .gpu/val;
#   for r in dn_a dn_b cz_hints; do mkdir -p $OUT/$r; cp runs/gpu_$r/*.safetensors runs/gpu_$r/*.json $OUT/$r/; done
set -euo pipefail
usage="usage: denoise_colorize_on_gpu.sh MINUTES DATA DENOISE_VAL COLORIZE_VAL [DEVICE]"
minutes=${1:?$usage}
data=${2:?$usage}
dn_val=${3:?$usage}
cz_val=${4:?$usage}
device=${5:-cuda}
# Crops per second per core (this machine's CPUs): denoise about 780 at 128 px, colorize with hint
# maps 67; so the colorizer gets most of the data-loading workers.
common=(--data "$data" --minutes "$minutes" --device "$device" --checkpoint-minutes 2 --batch-size 32 --patch 128)
denoise=(--val "$dn_val" --from weights/denoise.safetensors --noise gaussian-files --loss mse --val-every 2000 --workers 2)
mkdir -p runs
OMP_NUM_THREADS=1 python3 -m restorer train denoise "${common[@]}" "${denoise[@]}" --lr 1e-4 --seed 5 \
  --out runs/gpu_dn_a > runs/gpu_dn_a.log 2>&1 &
OMP_NUM_THREADS=1 python3 -m restorer train denoise "${common[@]}" "${denoise[@]}" --lr 3e-4 --seed 6 \
  --out runs/gpu_dn_b > runs/gpu_dn_b.log 2>&1 &
OMP_NUM_THREADS=1 python3 -m restorer train colorize "${common[@]}" --val "$cz_val" --hint-inputs \
  --from weights/colorize.safetensors --lr 3e-4 --val-every 1000 --workers 9 \
  --out runs/gpu_cz_hints > runs/gpu_cz_hints.log 2>&1 &
status=0
for _ in 1 2 3; do wait -n || status=1; done
for run in dn_a dn_b cz_hints; do echo "== $run"; tail -n 3 "runs/gpu_$run.log"; done
exit $status
