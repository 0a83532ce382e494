"""Persistence diagram plots (matplotlib).

Essential classes (death = +inf) are drawn on a dashed line above the finite
points, labelled "inf", so that they are visible instead of silently dropped.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch


def _as_array(diagram) -> np.ndarray:
    if isinstance(diagram, torch.Tensor):
        diagram = diagram.detach().cpu().numpy()
    arr = np.asarray(diagram, dtype=float).reshape(-1, 2)
    return arr


def plot_diagrams(
    diagrams: Sequence | torch.Tensor | np.ndarray,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    title: str | None = None,
):
    """Draws one or several persistence diagrams (``[m, 2]`` birth/death arrays) on one axis.

    Args:
        diagrams: one ``[m, 2]`` array/tensor or a list of them (e.g. one per dimension,
            as returned by ``Diagram.as_list`` or ``GraphPersistence.as_list``).
        labels: legend entry of each diagram (default ``H0, H1, ...``).
        ax: a matplotlib axis; a new figure is made if omitted.
    Returns:
        The matplotlib axis.
    """
    import matplotlib.pyplot as plt

    if isinstance(diagrams, (torch.Tensor, np.ndarray)):
        diagrams = [diagrams]
    arrays = [_as_array(d) for d in diagrams]
    labels = list(labels) if labels is not None else [f"H{i}" for i in range(len(arrays))]
    if len(labels) != len(arrays):
        raise ValueError(f"{len(labels)} labels for {len(arrays)} diagrams")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays] + [np.zeros(1)])
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.05 * (hi - lo or 1.0)
    inf_y = hi + 3 * pad
    for arr, label in zip(arrays, labels):
        ess = ~np.isfinite(arr[:, 1])
        ax.scatter(arr[~ess, 0], arr[~ess, 1], s=14, alpha=0.8, label=label)
        if ess.any():
            ax.scatter(arr[ess, 0], np.full(ess.sum(), inf_y), s=24, marker="^",
                       color=ax.collections[-1].get_facecolor()[0])
    ax.plot([lo - pad, inf_y], [lo - pad, inf_y], color="grey", lw=0.8)
    ax.axhline(inf_y, color="grey", lw=0.8, ls="--")
    ax.text(lo - pad, inf_y, " inf", va="bottom", fontsize=8, color="grey")
    ax.set_xlim(lo - pad, inf_y + pad)
    ax.set_ylim(lo - pad, inf_y + 2 * pad)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
