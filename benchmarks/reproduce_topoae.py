"""Reproduce the Spheres result of the topological autoencoder paper (Moor et al., 2020).

Trains on the Spheres training split and evaluates on its test split (1,000
points): TopoAE (MLP 101-32-32-2, lambda = 0.43), the same AE with lambda = 0,
PCA, and a topologically regularised linear autoencoder, for several seeds,
then prints mean +- std of every quality measure.

    python benchmarks/reproduce_topoae.py --epochs 30 --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from topograph.topoae.train import TopoAETrainConfig, load_splits, run_experiment

RUNS = {  # label: (model kind, lambda)
    "TopoAE": ("topoae", 0.43),
    "AE": ("ae", 0.0),
    "PCA": ("pca", 0.0),
    "TopoLinear": ("linear", 0.43),
}
COLUMNS = ("kl_0.01", "kl_0.1", "kl_1", "trustworthiness", "continuity", "mrre_zx", "mrre_xz", "rmse", "recon_mse")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30, help="maximum epochs per run (paper: 100)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--batch-size", type=int, default=28)
    p.add_argument("--lr", type=float, default=2.73e-4)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--models", nargs="+", default=list(RUNS), choices=list(RUNS))
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    p.add_argument("--json", default=None, help="also write all results to this file")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    splits = load_splits("spheres", 42)
    results: dict[str, list[dict]] = {name: [] for name in args.models}
    for seed in args.seeds:
        for name in args.models:
            kind, lam = RUNS[name]
            cfg = TopoAETrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                              patience=args.patience, seed=seed, progress=False)
            t = time.perf_counter()
            res = run_experiment("spheres", kind, cfg, lam, splits=splits)
            m = dict(res["metrics"], seconds=time.perf_counter() - t)
            if res["history"] is not None:
                m["epochs_run"] = len(res["history"].train_loss)
            results[name].append(m)
            print(f"seed {seed} {name:10s} KL_0.01={m['kl_0.01']:.3f} KL_0.1={m['kl_0.1']:.3f} "
                  f"recon={m['recon_mse']:.3f} ({m['seconds']:.0f} s)", flush=True)
    wall = time.perf_counter() - start
    header = f"| model | {' | '.join(COLUMNS)} |"
    print(f"\nSpheres test set, {len(args.seeds)} seeds, <= {args.epochs} epochs, mean +- std\n")
    print(header)
    print("|" + "---|" * (len(COLUMNS) + 1))
    for name, rows in results.items():
        cells = []
        for c in COLUMNS:
            v = np.array([r[c] for r in rows])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        print(f"| {name} | {' | '.join(cells)} |")
    print(f"\nwall time {wall:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results, "wall_seconds": wall}, f, indent=2)


if __name__ == "__main__":
    main()
