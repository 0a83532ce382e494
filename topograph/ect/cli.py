"""``topograph ect``: ECT-based shape classification (ECT image -> small CNN)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from topograph import shell
from topograph.errors import UserError

EXAMPLES = """\
examples:
  topograph ect --dataset shapes --out runs/ect_shapes            # synthetic meshes, 7 classes
  topograph ect --dataset shapes --representation points --epochs 20
  topograph ect --dataset digits --radius 1.0 --resolution 32 --out runs/ect_digits  # digits as 2-D points
  topograph ect --dataset meshes --root ~/ModelNet10 --representation points --num-points 1024
  topograph ect --dataset shapes --samples-per-class 4 --epochs 1 --no-progress   # smoke test

Writes OUT/metrics.json (accuracy, timings), OUT/metrics.jsonl (loss per epoch),
OUT/ect_examples.png (shapes next to their ECT images) and OUT/checkpoint.pt. ECT
images are [thresholds, directions]. With --tensorboard DIR the per-epoch metrics
also go to TensorBoard (tensorboard --logdir DIR).
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
    shell.add_device_argument(p)
    p.add_argument("--out", type=Path, default=Path("runs/ect"), help="output folder (default runs/ect)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    shell.add_tensorboard_argument(p)


def _check(args: argparse.Namespace) -> str:
    """Every flag in range, before any data is loaded; returns the resolved device."""
    from topograph.data.splits import min_per_class_for_split

    for name in ("samples_per_class", "num_points", "num_directions", "epochs", "batch_size", "hidden"):
        shell.check_int(args, name, 1)
    if args.resolution < 4 or (args.model == "cnn" and args.num_directions < 4):
        raise UserError("--resolution and --num-directions must be >= 4 for the CNN")
    shell.check_float(args, "radius", 0.0, lo_open=True)
    shell.check_float(args, "scale", 0.0, lo_open=True)
    shell.check_float(args, "lr", 0.0, lo_open=True)
    shell.check_float(args, "test_fraction", 0.0, 1.0, lo_open=True, hi_open=True)
    if args.dataset == "shapes":
        need = min_per_class_for_split(args.test_fraction)
        shell.check_int(args, "samples_per_class", need,
                        why=f" with --test-fraction {args.test_fraction:g} (every class needs a "
                            "training and a test sample)")
    if args.limit is not None and args.limit < 20:
        raise UserError("--limit must be >= 20 so that every digit class can be split")
    if args.dataset == "meshes" and not args.root:
        raise UserError("--dataset meshes needs --root DIR (ROOT/<class>/{train,test}/*.off)")
    shell.check_tensorboard(args)
    return str(shell.check_device(args))


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
    from topograph.distributed import setup

    with shell.open_metrics_log(args.out / "metrics.jsonl", args, main=setup(device).is_main) as log:
        metrics = run_experiment(cfg, args.out, log=log)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"test accuracy {metrics['test_accuracy']:.4f} (train {metrics['train_accuracy']:.4f}), "
          f"training {metrics['train_time_s']:.1f} s, ECT {metrics['ect_time_s']:.1f} s -> {args.out}/metrics.json")
    return 0
