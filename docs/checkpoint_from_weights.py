"""Rebuild a resumable `restore train` checkpoint from a weights file, so training can
go on after runs/ is gone (it is not in git).

The task, the step count, the minutes and the last run's settings come from the JSON
beside the weights. A calibration shift the trainer folded into the last bias
(segment) is taken out again: the trainer trains the uncalibrated model and
recalibrates at the end. The optimiser starts fresh. Then:
`restore train TASK --data ../shared/datasets/bsds432 --resume --out OUT ...`

    PYTHONPATH=. python docs/checkpoint_from_weights.py weights/segment.safetensors runs/segment
"""
import argparse
from pathlib import Path

import torch

from restorer.tasks.segment import undo_calibration
from restorer.train.checkpoint import write_checkpoint
from restorer.weights import load_model

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("weights", type=Path)
parser.add_argument("out", type=Path)
args = parser.parse_args()

model, info = load_model(args.weights)
training = info.meta["training"]
model = model.float().train()
if "calibration" in training:
    undo_calibration(model, training["calibration"])
optimizer = torch.optim.Adam(model.parameters(), lr=training["config"]["lr"])
state = {"step": training["steps"], "minutes": training["minutes"], "loss": [], "val": []}
args.out.mkdir(parents=True, exist_ok=True)
write_checkpoint(args.out / "checkpoint.pt", info.spec, model, optimizer, state, training["config"])
print(f"{args.out / 'checkpoint.pt'} ({info.task}): step {state['step']}, {state['minutes']} minutes")
