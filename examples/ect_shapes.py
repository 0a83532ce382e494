"""Classify synthetic shapes by their Euler characteristic transform (Python API only).

Meshes (sphere, torus, box, capsule, annulus, cylinder, cone; randomly rotated,
scaled and jittered) -> exact ECT images precomputed by a PyG transform ->
small CNN. A smaller, faster setting than ``topograph ect --dataset shapes``.

Run:  python examples/ect_shapes.py [--per-class 100] [--epochs 40]   (~10 s; up to ~1 min on a busy machine)
"""
from __future__ import annotations

import argparse
import time

import torch
from torch_geometric.loader import DataLoader

from topograph.data import SHAPE_CLASSES, make_shapes
from topograph.ect import ECTClassifier, ECTTransform, sphere_directions


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-class", type=int, default=100)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--directions", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    transform = ECTTransform(sphere_directions(args.directions), resolution=args.resolution, radius=1.1,
                             normalize=True)
    data = [transform(d) for d in make_shapes(args.per_class, seed=args.seed)]
    split = int(0.8 * len(data))  # make_shapes interleaves the classes, so both parts are balanced
    train, test = data[:split], data[split:]
    print(f"{len(data)} shapes, ECT images {tuple(data[0].ect.shape[1:])} in {time.perf_counter() - t0:.1f} s")

    model = ECTClassifier(len(SHAPE_CLASSES), args.resolution, args.directions)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(train, batch_size=32, shuffle=True)
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        for batch in loader:
            loss = torch.nn.functional.cross_entropy(model(batch.ect), batch.y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        test_batch = next(iter(DataLoader(test, batch_size=len(test))))
        acc = (model(test_batch.ect).argmax(1) == test_batch.y).float().mean()
    print(f"trained {args.epochs} epochs in {time.perf_counter() - t0:.1f} s; test accuracy {float(acc):.3f}")


if __name__ == "__main__":
    main()
