"""One weights file holding an output ensemble (restorer/models/output_ensemble.py) of weights files of one
architecture and task: the members' class distributions are averaged at inference. #27's ensemble candidate
(docs/history/colorize.md, "An output ensemble instead": the shipped colorizer and its decoded-loss fine-tune)
was made so, benchmarked once and rejected; no shipped weights are an ensemble yet.

    python scripts/weights/make_output_ensemble.py weights/colorize.safetensors \\
        runs/czd_decoded/colorize.safetensors runs/ens/colorize.safetensors
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone's root: runs as `python scripts/...`

from restorer.models import ModelSpec  # noqa: E402
from restorer.weights import load_model, save_weights  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("members", type=Path, nargs="+", help="weights files of one architecture (two or more)")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    if len(args.members) < 2:
        sys.exit("an ensemble needs two or more members")
    loaded = [load_model(p) for p in args.members]
    first = loaded[0][1]
    for path, (_, info) in zip(args.members, loaded):
        if info.spec != first.spec or info.task != first.task:
            sys.exit(f"{path}: another architecture or task than {args.members[0]}")
    if first.spec.arch == "output_ensemble":
        sys.exit(f"{args.members[0]}: already an ensemble; give its members")
    spec = ModelSpec("output_ensemble", {"member": first.spec.to_json(), "count": len(loaded)})
    ensemble = spec.build()
    for slot, (model, _) in zip(ensemble.members, loaded):
        slot.load_state_dict(model.state_dict())
    # The first member's record stays on top (its run's config and held-out split are what tools read), every
    # member's below it.
    training = {**first.meta.get("training", {}),
                "output_ensemble": [{"file": str(p), "sha256": info.meta.get("sha256"), "training": info.meta.get("training")}
                                    for p, (_, info) in zip(args.members, loaded)],
                "made_by": "scripts/weights/make_output_ensemble.py"}
    save_weights(ensemble, spec, args.out, first.task, training=training)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
