"""What TOGL's options buy: GCN vs GCN-TOGL (lower-star / extended / edge filtrations).

One table: rows are data sets (CYCLES, NECKLACES, MUTAG, PROTEINS with node labels,
PROTEINS structure-based with random 3-d features, CSL with Laplacian positional
encodings), columns are

* ``GCN-(L+1)``: the plain baseline with one more message-passing layer;
* ``GCN-L-TOGL-1``: TOGL after the first GCN layer, lower-star persistence (default);
* ``... extended``: ``TOGL(persistence="extended")``;
* ``... edge filt.``: ``TOGL(edge_filtration=True)``.

Stratified ``--folds``-fold CV with fixed seeds (``--max-folds`` cuts the number
of folds run per cell for the large data sets); mean +- std test accuracy (%).
Results are written to ``--out`` after every cell, so a stopped run keeps its cells.

    python benchmarks/reproduce_togl_options.py --out togl_options.json
    python benchmarks/reproduce_togl_options.py --datasets CSL CYCLES --epochs 30
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from topograph.data import TUGraphs, csl_dataset, cycles_dataset, necklaces_dataset
from topograph.togl.models import GraphClassifier
from topograph.togl.train import TOGLTrainConfig, cross_validate

VARIANTS = {
    "GCN": None,
    "TOGL lower-star": {},
    "TOGL extended": {"persistence": "extended"},
    "TOGL edge filt.": {"edge_filtration": True},
}
DATASETS = ("CYCLES", "NECKLACES", "MUTAG", "PROTEINS", "PROTEINS-struct", "CSL")


def load(name: str, args) -> list:
    if name == "CYCLES":
        return cycles_dataset(num_samples=args.num_synthetic, seed=args.seed)
    if name == "NECKLACES":
        return necklaces_dataset(num_samples=args.num_synthetic, seed=args.seed)
    if name == "MUTAG":
        return list(TUGraphs("mutag"))
    if name == "PROTEINS":
        return list(TUGraphs("proteins"))
    if name == "PROTEINS-struct":
        return list(TUGraphs("proteins", features="random", seed=args.seed))
    if name == "CSL":
        return csl_dataset(seed=args.seed)
    raise ValueError(name)


def run_cell(graphs, togl_kwargs, args, max_folds) -> dict:
    in_ch = int(graphs[0].x.size(1))
    classes = int(max(int(g.y.max()) for g in graphs)) + 1
    depth = args.depth

    def make() -> GraphClassifier:
        if togl_kwargs is None:
            return GraphClassifier(in_ch, classes, conv="gcn", depth=depth + 1,
                                   hidden=args.hidden)
        return GraphClassifier(in_ch, classes, conv="gcn", depth=depth, togl_position=1,
                               hidden=args.hidden, num_filtrations=8,
                               dim1_pool=args.dim1_pool, **togl_kwargs)

    cfg = TOGLTrainConfig(epochs=args.epochs, batch_size=32, lr=args.lr, lr_patience=5,
                      patience=args.patience, seed=args.seed, progress=False)
    return cross_validate(graphs, make, cfg, folds=args.folds, max_folds=max_folds)


def fmt(res: dict) -> str:
    return f"{res['mean']:.1f} +- {res['std']:.1f}" if res["num_folds"] > 1 else \
        f"{res['mean']:.1f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--num-synthetic", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--patience", type=int, default=15)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--depth", type=int, default=2, help="GCN layers of the TOGL models")
    p.add_argument("--dim1-pool", choices=("sum", "mean"), default="sum",
                   help="TOGL's pooling of the dim-1 embeddings per graph")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--max-folds", type=int, default=None,
                   help="folds run per cell on PROTEINS (all folds elsewhere)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    print(f"settings: {settings}", flush=True)
    results: dict = {"settings": settings, "cells": {}}
    start = time.perf_counter()
    for ds in args.datasets:
        graphs = load(ds, args)
        max_folds = args.max_folds if ds.startswith("PROTEINS") else None
        for name, kwargs in VARIANTS.items():
            if name not in args.variants:
                continue
            res = run_cell(graphs, kwargs, args, max_folds)
            res.pop("model", None)
            results["cells"][f"{ds}/{name}"] = res
            print(f"  {ds} {name}: {fmt(res)} ({res['num_folds']} folds, "
                  f"{res['seconds']:.0f} s)", flush=True)
            results["seconds"] = time.perf_counter() - start
            if args.out:
                args.out.write_text(json.dumps(results, indent=2, default=str))
    d = args.depth
    cols = [f"GCN-{d + 1}"] + [f"GCN-{d}-{n}" for n in list(VARIANTS)[1:]]
    lines = ["| data set | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for ds in args.datasets:
        cells = [results["cells"].get(f"{ds}/{n}") for n in VARIANTS]
        lines.append(f"| {ds} | " + " | ".join(fmt(c) if c else "-" for c in cells) + " |")
    print("\n" + "\n".join(lines))
    print(f"\ntotal wall time {(time.perf_counter() - start) / 60:.1f} min")


if __name__ == "__main__":
    main()
