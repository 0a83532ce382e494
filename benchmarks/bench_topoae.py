"""Training-step speed of TopoAE on Spheres.

1. Whole step (encoder, decoder, both dim-0 pairings, loss, backward, Adam) at
   batch 256 with ``topograph`` vs the same step written with torch-topological's
   ``VietorisRipsComplex(dim=0)`` + ``SignatureLoss`` (target: >= 4x).
2. Topological overhead (topo step - plain AE step) / plain step at batch 64,
   256 and 1024 (target: <= 0.3 at 256).

Timings are medians over interleaved repetitions (the machine may be shared).

    python benchmarks/bench_topoae.py [--reps 7] [--steps 20] [--threads 1]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from topograph.data.spheres import Spheres
from topograph.topoae.models import TopologicallyRegularizedAutoencoder, spheres_autoencoder


def make_step(batch: torch.Tensor, lam: float, backend: str):
    torch.manual_seed(0)
    ae = spheres_autoencoder(batch.shape[-1])
    model = TopologicallyRegularizedAutoencoder.from_autoencoder(ae, lam=lam)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-5)
    if backend == "topograph":
        def step(x: torch.Tensor) -> None:
            opt.zero_grad(set_to_none=True)
            loss, _ = model(x)
            loss.backward()
            opt.step()
        return step
    from torch_topological.nn import SignatureLoss, VietorisRipsComplex

    vr, sig = VietorisRipsComplex(dim=0), SignatureLoss(p=2)

    def step(x: torch.Tensor) -> None:
        opt.zero_grad(set_to_none=True)
        z = ae.encoder(x)
        recon = torch.nn.functional.mse_loss(ae.decoder(z), x)
        loss = recon + lam * sig([x, vr(x)], [z, vr(z)])
        loss.backward()
        opt.step()
    return step


def time_steps(steps: dict, batches: list[torch.Tensor], reps: int) -> dict[str, float]:
    """Median seconds per step of every entry of ``steps`` (interleaved repetitions)."""
    for fn in steps.values():  # warm-up (numba compile, allocator)
        for xb in batches[:3]:
            fn(xb)
    samples: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(reps):
        for name, fn in steps.items():
            t = time.perf_counter()
            for xb in batches:
                fn(xb)
            samples[name].append((time.perf_counter() - t) / len(batches))
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--steps", type=int, default=20, help="steps per repetition")
    p.add_argument("--skip-torch-topological", action="store_true")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    X = Spheres("train").data
    g = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    def batches(size: int) -> list[torch.Tensor]:
        return [X[torch.randperm(len(X), generator=g)[:size]] for _ in range(args.steps)]

    if not args.skip_torch_topological:
        b = batches(256)
        steps = {"topograph": make_step(b[0], 1.0, "topograph"),
                 "torch-topological": make_step(b[0], 1.0, "torch-topological")}
        t = time_steps(steps, b, args.reps)
        print(f"batch 256 full step: topograph {t['topograph'] * 1e3:.2f} ms, "
              f"torch-topological {t['torch-topological'] * 1e3:.2f} ms, "
              f"speed-up {t['torch-topological'] / t['topograph']:.1f}x (target >= 4x)")
    for size in (64, 256, 1024):
        b = batches(size)
        steps = {"plain": make_step(b[0], 0.0, "topograph"), "topo": make_step(b[0], 1.0, "topograph")}
        t = time_steps(steps, b, args.reps)
        over = (t["topo"] - t["plain"]) / t["plain"]
        print(f"batch {size:5d}: plain step {t['plain'] * 1e3:.2f} ms, with topological term "
              f"{t['topo'] * 1e3:.2f} ms, overhead {over:.2f}" + (" (target <= 0.3)" if size == 256 else ""))


if __name__ == "__main__":
    main()
