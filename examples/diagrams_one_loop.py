"""Optimise a noisy point cloud until it has exactly one persistent loop.

``PersistenceShapingLoss(keep=1, target=1.0)`` pulls the most persistent dimension-1
point of the Rips diagram to persistence 1.0 and every other one to the diagonal.
Gradients reach the coordinates through the gathered birth / death edge lengths.
Saves a before / after picture (points and diagrams).

Run:  python examples/diagrams_one_loop.py [--steps 150] [--out runs/diagrams]   (~15 s)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from topograph import rips_persistence  # noqa: E402
from topograph.nn import PersistenceShapingLoss  # noqa: E402


def noisy_cloud(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.rand(n, generator=g) * 2 * torch.pi
    r = 0.6 + 0.35 * torch.rand(n, generator=g)
    return torch.stack([r * t.cos(), r * t.sin()], 1) + 0.15 * torch.randn(n, 2, generator=g)


def plot(ax_pts, ax_dgm, x, title):
    dgm = rips_persistence(x, max_dim=1).dim1.as_list()[0].detach()
    ax_pts.scatter(x[:, 0], x[:, 1], s=8)
    ax_pts.set_title(title)
    ax_pts.set_aspect("equal")
    ax_dgm.scatter(dgm[:, 0], dgm[:, 1], s=10, c="C3")
    hi = float(dgm.max()) * 1.1 if len(dgm) else 1.0
    ax_dgm.plot([0, hi], [0, hi], "k--", lw=0.8)
    ax_dgm.set_xlabel("birth")
    ax_dgm.set_ylabel("death")
    ax_dgm.set_title(f"dim 1: {len(dgm)} points")
    return dgm


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--points", type=int, default=60)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--out", type=Path, default=Path("runs/diagrams"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    x0 = noisy_cloud(args.points, 0)
    x = x0.clone().requires_grad_()
    loss_fn = PersistenceShapingLoss(keep=1, order=2.0, target=1.0)
    opt = torch.optim.Adam([x], lr=args.lr)
    for step in range(args.steps):
        opt.zero_grad()
        loss = loss_fn(rips_persistence(x, max_dim=1).dim1)
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step:4d}  loss {float(loss.detach()):.4f}")
    fig, ax = plt.subplots(2, 2, figsize=(7, 6.5))
    before = plot(ax[0, 0], ax[0, 1], x0, "before")
    after = plot(ax[1, 0], ax[1, 1], x.detach(), "after")
    fig.tight_layout()
    fig.savefig(args.out / "one_loop.png", dpi=70)
    pers = lambda d: sorted((d[:, 1] - d[:, 0]).tolist(), reverse=True)[:3]  # noqa: E731
    print(f"top dim-1 persistences before {pers(before)}, after {pers(after)}")
    print(f"wrote {args.out / 'one_loop.png'}")


if __name__ == "__main__":
    main()
