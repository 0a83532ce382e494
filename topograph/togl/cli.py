"""``topograph togl``: graph classification with TOGL and GNN baselines, k-fold CV."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from topograph import shell
from topograph.errors import UserError

EXAMPLES = """\
examples:
  topograph togl --dataset necklaces --model gcn --depth 1 --togl-position 1
  topograph togl --dataset necklaces --model gcn --depth 1          # plain GCN-1
  topograph togl --dataset proteins --features random --depth 3 --togl-position 1 --folds 10
  topograph togl --dataset mutag --model gin --depth 4 --epochs 50 --out mutag_gin.json
  topograph togl --dataset ~/data/NCI1 --features degree --depth 3 --togl-position 1

--togl-position P inserts TOGL after P message-passing layers ("GCN-3-TOGL-1" is
--depth 3 --togl-position 1); without it the plain stack is trained.
With --out, the per-epoch metrics of every fold go to OUT.jsonl; with
--tensorboard DIR also to TensorBoard (tensorboard --logdir DIR).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EXAMPLES
    p.add_argument("--dataset", default="necklaces",
                   help="cycles | necklaces | mutag | proteins | PATH to a TU folder")
    p.add_argument("--features", default=None,
                   choices=["labels", "attributes", "labels+attributes", "degree", "random",
                            "constant"],
                   help="node features of TU data (default: labels if present, else degree)")
    p.add_argument("--num-graphs", type=int, default=1000,
                   help="size of the synthetic data sets (default 1000)")
    p.add_argument("--model", default="gcn", choices=["gcn", "gin", "gat"])
    p.add_argument("--depth", type=int, default=3, help="message-passing layers (default 3)")
    p.add_argument("--togl-position", type=int, default=None,
                   help="insert TOGL after this many layers (omit for the plain baseline)")
    p.add_argument("--static", action="store_true",
                   help="static ablation: TOGL without persistence")
    p.add_argument("--embedding", default="deepset",
                   choices=["deepset", "triangle", "gaussian", "line", "rational_hat"])
    p.add_argument("--num-filtrations", type=int, default=8)
    p.add_argument("--no-dim1", action="store_true", help="do not use cycle (dim 1) pairs")
    p.add_argument("--hidden", type=int, default=140)
    p.add_argument("--pooling", default="mean", choices=["mean", "sum"])
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate in [0, 1) (default 0)")
    p.add_argument("--folds", type=int, default=10,
                   help="k of stratified k-fold CV (1 = one 80/20 split)")
    p.add_argument("--max-folds", type=int, default=None,
                   help="run only the first MAX_FOLDS folds (1..--folds; default: all)")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--patience", type=int, default=30, help="early stopping patience")
    p.add_argument("--seed", type=int, default=0)
    shell.add_device_argument(p)
    p.add_argument("--out", type=Path, default=None,
                   help="write results as JSON here, and the last fold's model next to it (.pt)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    shell.add_tensorboard_argument(p)


def load_graphs(name: str, features: str | None, seed: int, num_samples: int = 1000):
    """The graphs of ``name`` as a list / data set of PyG ``Data``."""
    from topograph.data.synthetic_graphs import cycles_dataset, necklaces_dataset
    from topograph.data.tu import TUFormatError, TUGraphs, find_tu_folder, tu_name

    if name.lower() in ("cycles", "necklaces"):
        if features is not None:
            raise UserError(f"--features does not apply to {name} (3-d random features)")
        make = cycles_dataset if name.lower() == "cycles" else necklaces_dataset
        return make(num_samples=num_samples, seed=seed)
    try:
        folder = find_tu_folder(name)
        if features is None:
            has_labels = (folder / f"{tu_name(folder)}_node_labels.txt").is_file()
            features = "labels" if has_labels else "degree"
        return TUGraphs(folder, features=features, seed=seed)
    except (FileNotFoundError, TUFormatError) as err:
        raise UserError(str(err)) from None


def _synthetic(name: str) -> bool:
    return name.lower() in ("cycles", "necklaces")


def _check_args(args: argparse.Namespace) -> None:
    """Every flag in range, before any data is loaded."""
    shell.check_int(args, "depth", 0)
    for name in ("epochs", "folds", "hidden", "num_filtrations", "batch_size", "patience"):
        shell.check_int(args, name, 1)
    shell.check_int(args, "num_graphs", 2)
    shell.check_int(args, "max_folds", 1, args.folds)
    if args.togl_position is not None:
        shell.check_int(args, "togl_position", 0, args.depth, why=" (0..--depth)")
    if args.static and args.togl_position is None:
        raise UserError("--static needs --togl-position")
    if args.model == "gat" and args.hidden % 4:
        raise UserError("--model gat needs --hidden divisible by 4 (4 heads)")
    shell.check_float(args, "lr", 0.0, lo_open=True)
    shell.check_float(args, "dropout", 0.0, 1.0, hi_open=True)
    shell.check_tensorboard(args)
    shell.check_device(args)


def _splits_work(labels: np.ndarray, folds: int, seed: int, val_fraction: float) -> bool:
    """Every class in every fold (``folds`` <= the smallest class) and a stratified
    validation part in each fold's training graphs."""
    import warnings

    from topograph.data.splits import cv_splits

    counts = np.bincount(labels)
    if folds >= 2 and counts[counts > 0].min() < folds:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv_splits(labels, folds, seed, val_fraction)
    except ValueError:
        return False
    return True


def _check_splits(args: argparse.Namespace, labels: np.ndarray, val_fraction: float) -> None:
    """The data set must be large enough for --folds; else one line naming the flags
    and the allowed range."""
    if _splits_work(labels, args.folds, args.seed, val_fraction):
        return
    counts = np.bincount(labels)
    smallest = int(counts[counts > 0].min())
    if _synthetic(args.dataset):
        need = max(args.num_graphs + 1, 2 * args.folds)
        while need < 100 * max(args.folds, 2):  # the fewest balanced graphs that split
            if _splits_work(np.arange(need) % 2, args.folds, args.seed, val_fraction):
                break
            need += 1
        raise UserError(f"--num-graphs must be >= {need} for --folds {args.folds} (stratified folds, "
                        f"each with a {val_fraction:.0%} validation part, need enough graphs of both "
                        f"classes; --num-graphs {args.num_graphs} gives {smallest} of the smaller class), "
                        f"or use fewer --folds")
    if args.folds > smallest:
        raise UserError(f"--folds must be between 1 and {smallest} for {args.dataset} (its smallest "
                        f"class has {smallest} graphs), got {args.folds}")
    raise UserError(f"{args.dataset} is too small for --folds {args.folds} (smallest class: "
                    f"{smallest} graphs; each fold needs a stratified validation part): use fewer --folds")


def run(args: argparse.Namespace) -> int:
    from topograph.distributed import setup
    from topograph.togl.models import GraphClassifier
    from topograph.togl.train import TOGLTrainConfig, cross_validate, save_model

    _check_args(args)
    device = shell.check_device(args)
    graphs = load_graphs(args.dataset, args.features, args.seed, args.num_graphs)
    cfg = TOGLTrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                          patience=args.patience, seed=args.seed, device=str(device),
                          progress=not args.no_progress)
    labels = np.array([int(g.y.view(-1)[0]) for g in graphs])
    _check_splits(args, labels, cfg.val_fraction)
    in_ch = int(graphs[0].x.size(1))
    num_classes = int(labels.max()) + 1

    model_config = dict(in_channels=in_ch, num_classes=num_classes, conv=args.model,
                        depth=args.depth, togl_position=args.togl_position, hidden=args.hidden,
                        pooling=args.pooling, dropout=args.dropout,
                        num_filtrations=args.num_filtrations, embedding=args.embedding,
                        use_dim1=not args.no_dim1, static=args.static)

    def make_model() -> GraphClassifier:
        return GraphClassifier(**model_config)

    name = make_model().name
    main = setup(device).is_main
    jsonl = args.out.with_suffix(".jsonl") if args.out is not None else None
    with shell.open_metrics_log(jsonl, args, main=main) as log:
        res = cross_validate(graphs, make_model, cfg, folds=args.folds, max_folds=args.max_folds,
                             desc=name, return_model=True, log=log)
    model = res.pop("model")
    res.update(dataset=args.dataset, model=name, graphs=len(graphs))
    if not main:
        return 0  # under torchrun only rank 0 writes
    print(f"{args.dataset} {name}: {res['mean']:.1f} +- {res['std']:.1f} % test accuracy "
          f"over {res['num_folds']} fold(s) ({res['seconds']:.0f} s)")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=2))
        ckpt = args.out.with_suffix(".pt")
        save_model(ckpt, model, model_config, dataset=str(args.dataset))
        print(f"wrote {args.out} and {ckpt} (the last fold's model)", file=sys.stderr)
    return 0
