"""``topograph ect``: ECT-based shape classification (ECT image -> small CNN)."""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

EXAMPLES = """\
examples:
  topograph ect --dataset shapes --out runs/ect_shapes            # synthetic meshes, 7 classes
  topograph ect --dataset shapes --representation points --epochs 20
  topograph ect --dataset digits --radius 1.0 --resolution 32 --out runs/ect_digits  # digits as 2-D points
  topograph ect --dataset meshes --root ~/ModelNet10 --representation points --num-points 1024
  topograph ect --dataset shapes --samples-per-class 4 --epochs 1 --no-progress   # smoke test

Writes OUT/metrics.json (accuracy, timings), OUT/ect_examples.png (shapes next to
their ECT images) and OUT/checkpoint.pt. ECT images are [thresholds, directions].
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EXAMPLES
    p.add_argument("--dataset", default="shapes", choices=["shapes", "digits", "meshes"])
    p.add_argument("--root", default=None, help="meshes: folder laid out as ROOT/<class>/{train,test}/*.off")
    p.add_argument("--representation", default="mesh", choices=["mesh", "points"],
                   help="shapes/meshes: triangle meshes or sampled point clouds (default mesh)")
    p.add_argument("--samples-per-class", type=int, default=120, help="shapes: samples per class (default 120)")
    p.add_argument("--num-points", type=int, default=256, help="points sampled per shape (default 256)")
    p.add_argument("--limit", type=int, default=None, help="digits: only the first N images")
    p.add_argument("--num-directions", type=int, default=64)
    p.add_argument("--resolution", type=int, default=64, help="number of thresholds (default 64)")
    p.add_argument("--radius", type=float, default=1.1, help="threshold range [-r, r] (default 1.1)")
    p.add_argument("--scale", type=float, default=None, help="sigmoid scale (default: exact ECT)")
    p.add_argument("--model", default="cnn", choices=["cnn", "mlp"])
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--direction-pool", default=None, choices=["max", "mean"],
                   help="CNN: pool feature maps over directions (rotation robustness); default flatten")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    p.add_argument("--out", type=Path, default=Path("runs/ect"), help="output folder (default runs/ect)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _check(args: argparse.Namespace) -> str:
    import torch

    from topograph.cli import UserError

    for name in ("samples_per_class", "num_points", "num_directions", "epochs", "batch_size", "hidden"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.resolution < 4 or (args.model == "cnn" and args.num_directions < 4):
        raise UserError("--resolution and --num-directions must be >= 4 for the CNN")
    for name in ("radius", "scale", "lr"):
        v = getattr(args, name)
        if v is not None and not (math.isfinite(v) and v > 0):
            raise UserError(f"--{name} must be a finite number > 0, got {v}")
    if not 0 < args.test_fraction < 1:
        raise UserError(f"--test-fraction must be in (0, 1), got {args.test_fraction}")
    if args.limit is not None and args.limit < 20:
        raise UserError("--limit must be >= 20 so that every digit class can be split")
    if args.dataset == "meshes" and not args.root:
        raise UserError("--dataset meshes needs --root DIR (ROOT/<class>/{train,test}/*.off)")
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {args.device}: CUDA is not available on this machine")
    if not (device == "cpu" or device.startswith("cuda")):
        raise UserError(f"--device must be cpu, cuda or auto, got {args.device!r}")
    return device


def run(args: argparse.Namespace) -> int:
    from topograph.ect.train import ECTConfig, run_experiment

    device = _check(args)
    cfg = ECTConfig(
        dataset=args.dataset, root=args.root, representation=args.representation,
        samples_per_class=args.samples_per_class, num_points=args.num_points, limit=args.limit,
        num_directions=args.num_directions, resolution=args.resolution, radius=args.radius,
        scale=args.scale, model=args.model, direction_pool=args.direction_pool, hidden=args.hidden, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, test_fraction=args.test_fraction, seed=args.seed,
        device=device, progress=not args.no_progress,
    )
    metrics = run_experiment(cfg, args.out)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"test accuracy {metrics['test_accuracy']:.4f} (train {metrics['train_accuracy']:.4f}), "
          f"training {metrics['train_time_s']:.1f} s, ECT {metrics['ect_time_s']:.1f} s -> {args.out}/metrics.json")
    return 0
