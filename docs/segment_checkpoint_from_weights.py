"""Rebuild a resumable `restore train segment` checkpoint from a segment weights file,
so training can go on after runs/ is gone (it is not in git).

The calibration shift the trainer folded into the last bias is taken out again (the
trainer trains the uncalibrated model and recalibrates at the end); the optimiser
starts fresh. Then: `restore train segment --data ../shared/datasets/bsds432 --resume --out OUT ...`

    PYTHONPATH=. python docs/segment_checkpoint_from_weights.py weights/segment.safetensors runs/segment
"""
import argparse
from pathlib import Path

import torch

from restorer.train.loop import write_checkpoint
from restorer.weights import load_model

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("weights", type=Path)
parser.add_argument("out", type=Path)
args = parser.parse_args()

model, info = load_model(args.weights, task="segment")
training = info.meta["training"]
model = model.float().train()
with torch.no_grad():
    model.head[-1].bias -= training.get("calibration", {}).get("logit_shift", 0.0)
optimizer = torch.optim.Adam(model.parameters(), lr=training["config"]["lr"])
state = {"step": training["steps"], "minutes": training["minutes"], "loss": [], "val": []}
args.out.mkdir(parents=True, exist_ok=True)
write_checkpoint(args.out / "checkpoint.pt", info.spec, model, optimizer, state, training["config"])
print(f"{args.out / 'checkpoint.pt'}: step {state['step']}, {state['minutes']} minutes")
