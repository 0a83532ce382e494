"""``topograph togl``: graph classification with TOGL and GNN baselines, k-fold CV."""
from __future__ import annotations

import argparse
import math
import json
import sys
from pathlib import Path

EXAMPLES = """\
examples:
  topograph togl --dataset necklaces --model gcn --depth 1 --togl-position 1
  topograph togl --dataset necklaces --model gcn --depth 1          # plain GCN-1
  topograph togl --dataset proteins --features random --depth 3 --togl-position 1 --folds 10
  topograph togl --dataset mutag --model gin --depth 4 --epochs 50 --out mutag_gin.json
  topograph togl --dataset ~/data/NCI1 --features degree --depth 3 --togl-position 1

--togl-position P inserts TOGL after P message-passing layers ("GCN-3-TOGL-1" is
--depth 3 --togl-position 1); without it the plain stack is trained.
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
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--folds", type=int, default=10,
                   help="k of stratified k-fold CV (1 = one 80/20 split)")
    p.add_argument("--max-folds", type=int, default=None, help="run only the first folds")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--patience", type=int, default=30, help="early stopping patience")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu | cuda | auto")
    p.add_argument("--out", type=Path, default=None,
                   help="write results as JSON here, and the last fold's model next to it (.pt)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def load_graphs(name: str, features: str | None, seed: int, num_samples: int = 1000):
    """The graphs of ``name`` as a list / data set of PyG ``Data``."""
    from topograph.cli import UserError
    from topograph.data.synthetic_graphs import cycles_dataset, necklaces_dataset
    from topograph.data.tu import TUDataset, TUFormatError, find_tu_folder

    if name.lower() in ("cycles", "necklaces"):
        if features is not None:
            raise UserError(f"--features does not apply to {name} (3-d random features)")
        make = cycles_dataset if name.lower() == "cycles" else necklaces_dataset
        return make(num_samples=num_samples, seed=seed)
    try:
        folder = find_tu_folder(name)
        if features is None:
            has_labels = (folder / f"{folder.name}_node_labels.txt").is_file()
            features = "labels" if has_labels else "degree"
        return TUDataset(folder, features=features, seed=seed)
    except (FileNotFoundError, TUFormatError) as err:
        raise UserError(str(err)) from None


def run(args: argparse.Namespace) -> int:
    from topograph.cli import UserError
    from topograph.togl.models import GraphClassifier
    from topograph.distributed import setup
    from topograph.togl.train import TrainConfig, cross_validate, resolve_device, save_model

    if args.depth < 0 or args.epochs < 1 or args.folds < 1 or args.hidden < 1:
        raise UserError("--depth must be >= 0 and --epochs, --folds, --hidden >= 1")
    if args.togl_position is not None and not 0 <= args.togl_position <= args.depth:
        raise UserError(f"--togl-position must be between 0 and --depth ({args.depth})")
    if args.static and args.togl_position is None:
        raise UserError("--static needs --togl-position")
    if args.model == "gat" and args.hidden % 4:
        raise UserError("--model gat needs --hidden divisible by 4 (4 heads)")
    if args.num_graphs < 2 or args.num_filtrations < 1 or args.batch_size < 1:
        raise UserError("--num-graphs must be >= 2 and --num-filtrations, --batch-size >= 1")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UserError(f"--lr must be a positive number, got {args.lr}")
    try:
        resolve_device(args.device)
    except (ValueError, RuntimeError) as err:
        raise UserError(str(err)) from None
    graphs = load_graphs(args.dataset, args.features, args.seed, args.num_graphs)
    in_ch = int(graphs[0].x.size(1))
    num_classes = int(max(int(g.y.max()) for g in graphs)) + 1

    model_config = dict(in_channels=in_ch, num_classes=num_classes, conv=args.model,
                        depth=args.depth, togl_position=args.togl_position, hidden=args.hidden,
                        pooling=args.pooling, dropout=args.dropout,
                        num_filtrations=args.num_filtrations, embedding=args.embedding,
                        use_dim1=not args.no_dim1, static=args.static)

    def make_model() -> GraphClassifier:
        return GraphClassifier(**model_config)

    name = make_model().name
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                      patience=args.patience, seed=args.seed, device=args.device,
                      progress=not args.no_progress)
    res = cross_validate(graphs, make_model, cfg, folds=args.folds, max_folds=args.max_folds,
                         desc=name, return_model=True)
    model = res.pop("model")
    res.update(dataset=args.dataset, model=name, graphs=len(graphs))
    if not setup(args.device if args.device != "auto" else "cpu").is_main:
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
