"""Persistence diagram plots (matplotlib).

Essential classes (death = +inf) are drawn on a dashed line above the finite
points, labelled "inf", so that they are visible instead of silently dropped.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch


def _as_array(diagram, i: int = 0) -> np.ndarray:
    """``[m, 2]`` float array of one diagram; rejects what would plot silently wrong."""
    name = f"diagram {i}"
    if isinstance(diagram, torch.Tensor):
        if diagram.device.type == "meta":
            raise ValueError(f"{name} is on the meta device, which holds no data")
        diagram = diagram.detach().cpu().float().numpy() if diagram.dtype in (
            torch.float16, torch.bfloat16) else diagram.detach().cpu().numpy()
    try:
        arr = np.asarray(diagram, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an [m, 2] array of (birth, death) numbers, "
                        f"got {type(diagram).__name__} ({err})") from None
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape [m, 2] (birth, death), got {list(arr.shape)}")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN values")
    if not np.isfinite(arr[:, 0]).all():
        raise ValueError(f"{name} has infinite births; births must be finite")
    if (arr[:, 1] == -np.inf).any():
        raise ValueError(f"{name} has deaths at -inf; only essential classes (+inf) may be infinite")
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
    if diagrams is None or isinstance(diagrams, (str, bytes)) or not hasattr(diagrams, "__iter__"):
        raise TypeError(f"diagrams must be an [m, 2] array/tensor or a list of them, "
                        f"got {type(diagrams).__name__}")
    arrays = [_as_array(d, i) for i, d in enumerate(diagrams)]
    if not arrays:
        raise ValueError("no diagrams to plot (empty list)")
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
