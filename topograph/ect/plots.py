"""Figures for the ECT module: shapes next to their ECT images, loss curves."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_shape(ax, pos: Tensor, face: Tensor | None = None, edge_index: Tensor | None = None, title: str = "") -> None:
    """Scatter a 2-D/3-D point cloud (mesh faces as a surface, edges as lines) on ``ax``."""
    p = pos.detach().cpu().numpy()
    if p.shape[1] == 3 and face is not None and face.numel():
        ax.plot_trisurf(p[:, 0], p[:, 1], p[:, 2], triangles=face.T.cpu().numpy(), alpha=0.8, linewidth=0.1)
    elif p.shape[1] == 3:
        ax.scatter(p[:, 0], p[:, 1], p[:, 2], s=3)
    else:
        if edge_index is not None:
            for u, v in edge_index.T.tolist():
                ax.plot(p[[u, v], 0], p[[u, v], 1], color="0.6", lw=0.8)
        ax.scatter(p[:, 0], p[:, 1], s=12)
        ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([]), ax.set_yticks([])


def draw_ect(ax, img: Tensor, radius: float | None = None, title: str = "ECT") -> None:
    """Show one ECT image ``[R, T]``: thresholds up, directions across."""
    extent = None if radius is None else [0, img.shape[1], -radius, radius]
    ax.imshow(img.detach().cpu().numpy(), origin="lower", aspect="auto", cmap="coolwarm", extent=extent)
    ax.set_xlabel("direction", fontsize=8)
    ax.set_ylabel("threshold", fontsize=8)
    ax.set_title(title, fontsize=9)


def save_examples(data: list, images: Tensor, names: list[str], path: Path, per_row: int = 5) -> Path:
    """One sample per class (up to ``per_row``): shape on top, its ECT image below."""
    plt = _plt()
    picked, seen = [], set()
    for i, d in enumerate(data):
        c = int(d.y)
        if c not in seen:
            seen.add(c)
            picked.append(i)
        if len(picked) == per_row:
            break
    dim = data[0].pos.shape[1]
    fig = plt.figure(figsize=(2.6 * len(picked), 5.2))
    for col, i in enumerate(picked):
        d = data[i]
        ax = fig.add_subplot(2, len(picked), col + 1, projection="3d" if dim == 3 else None)
        draw_shape(ax, d.pos, getattr(d, "face", None), getattr(d, "edge_index", None), names[int(d.y)])
        draw_ect(fig.add_subplot(2, len(picked), len(picked) + col + 1), images[i])
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def save_curve(values: list[float], path: Path, ylabel: str = "loss") -> Path:
    """Line plot of a training curve (log scale)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.plot(range(len(values)), torch.as_tensor(values).clamp_min(1e-12).numpy())
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
