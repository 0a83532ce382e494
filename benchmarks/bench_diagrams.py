"""Benchmark: topograph.diagrams vs loops over gudhi, side by side in one run.

Cases (issue 14.4): Wasserstein (p = q = 2) and bottleneck distances of 256 pairs of
100-point diagrams (one batched call vs a loop over ``gudhi.wasserstein.wasserstein_distance``
/ ``gudhi.bottleneck_distance(e=0)``); persistence images (20 x 20) and landscapes
(5 x 100) of 1024 diagrams of 100 points (one call vs ``gudhi.representations``'
``transform`` loop). Diagrams: births uniform in [0, 1], persistence uniform in
[0, 0.5], float64. Median of repeats after a warm-up (numba compilation excluded).

Run:  flock /work/bench.lock python benchmarks/bench_diagrams.py --threads 1
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from _timing import HEADER, row, timeit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=256)
    ap.add_argument("--diagrams", type=int, default=1024)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import numba
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    import gudhi
    import gudhi.wasserstein
    from gudhi.representations import Landscape, PersistenceImage

    from topograph.diagrams import (
        bottleneck_distance,
        persistence_image,
        persistence_landscape,
        wasserstein_distance,
    )

    rng = np.random.default_rng(0)

    def rd(n):
        b = rng.random(n)
        return np.stack([b, b + 0.5 * rng.random(n)], 1)

    X = [rd(args.points) for _ in range(args.pairs)]
    Y = [rd(args.points) for _ in range(args.pairs)]
    TX, TY = [torch.tensor(x) for x in X], [torch.tensor(y) for y in Y]
    print(f"torch threads {args.threads}; {args.pairs} pairs / {args.diagrams} diagrams "
          f"of {args.points} points")
    print(HEADER)
    warnings.simplefilter("ignore")

    ours = timeit(lambda: wasserstein_distance(TX, TY, order=2.0, internal_p=2.0), args.repeats, 1)
    ref = timeit(lambda: [gudhi.wasserstein.wasserstein_distance(x, y, order=2.0, internal_p=2.0)
                          for x, y in zip(X, Y)], args.repeats, 1)
    print(row(f"Wasserstein p=q=2, {args.pairs} pairs", ours, ref, "gudhi.wasserstein loop (POT)"))
    ours = timeit(lambda: bottleneck_distance(TX, TY), args.repeats, 1)
    ref = timeit(lambda: [gudhi.bottleneck_distance(x, y, 0) for x, y in zip(X, Y)], args.repeats, 1)
    print(row(f"bottleneck, {args.pairs} pairs", ours, ref, "gudhi.bottleneck_distance(e=0) loop"))

    D = [rd(args.points) for _ in range(args.diagrams)]
    TD = [torch.tensor(d) for d in D]
    pi = PersistenceImage(bandwidth=0.05, resolution=[20, 20], im_range=[0, 1, 0, 0.5]).fit(D)
    ours = timeit(lambda: persistence_image(TD, bandwidth=0.05, resolution=(20, 20),
                                            im_range=(0, 1, 0, 0.5)), args.repeats, 1)
    ref = timeit(lambda: pi.transform(D), args.repeats, 1)
    print(row(f"persistence images 20x20, {args.diagrams} diagrams", ours, ref,
              "gudhi.representations.PersistenceImage"))
    la = Landscape(num_landscapes=5, resolution=100, sample_range=[0, 1.5]).fit(D)
    ours = timeit(lambda: persistence_landscape(TD, num_landscapes=5, resolution=100,
                                                sample_range=(0, 1.5)), args.repeats, 1)
    ref = timeit(lambda: la.transform(D), args.repeats, 1)
    print(row(f"landscapes 5x100, {args.diagrams} diagrams", ours, ref,
              "gudhi.representations.Landscape"))


if __name__ == "__main__":
    main()
