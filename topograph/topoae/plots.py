"""Figures for the TopoAE module: 2-D embeddings coloured by label."""
from __future__ import annotations

from pathlib import Path

import torch

__all__ = ["save_latent_plot"]


def save_latent_plot(Z: torch.Tensor, y: torch.Tensor, path: Path, title: str) -> None:
    """Scatter plot of an embedding ``Z [n, k]`` (first two coordinates) coloured by
    the labels ``y [n]``, written to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Z = Z.detach().cpu().numpy()
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    sc = ax.scatter(Z[:, 0], Z[:, 1 if Z.shape[1] > 1 else 0], c=y.cpu().numpy(), cmap="tab20", s=4,
                    alpha=0.8)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(sc, ax=ax, label="label", fraction=0.046)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
