"""DirectionPooling: a rotation-robust head for ECT images (a DeepSet over directions)."""
from __future__ import annotations

from torch import Tensor, nn

from topograph.core.validation import check_matches_parameters

__all__ = ["DirectionPooling"]


class DirectionPooling(nn.Module):
    r"""Embed each direction's Euler curve with one shared MLP, then pool over directions.

    Column ``j`` of an ECT image ``[B, R, T]`` is the Euler characteristic curve
    of the shape seen from direction ``v_j`` (``R`` thresholds). This layer maps
    every column through the same MLP ``Linear(R, hidden) - ReLU - Linear(hidden,
    hidden)`` and reduces over the ``T`` directions:

    .. math::
        y_b = \operatorname{reduce}_{j=1..T}\ \mathrm{MLP}(\mathrm{ECT}[b, :, j])
        \in \mathbb{R}^{\text{hidden}}

    The output does not depend on the order of the directions (exactly), and a
    rotation of the shape only moves its curves to other directions
    (``ECT(Rx, v) = ECT(x, R^T v)``), so with directions spread evenly over the
    sphere (:func:`~topograph.ect.sphere_directions`) it is nearly invariant to
    rotations of the input. It is the reusable form of
    ``ECTClassifier(direction_pool=...)``, which pools CNN feature maps over the
    direction axis instead. Put a linear layer (or an MLP) after it for logits.

    Shapes: input ``[B, R, T]`` (sample, threshold, direction); output ``[B, hidden]``.

    Args:
        resolution: R, the number of thresholds of the images.
        hidden: width of the MLP and of the output.
        reduce: ``"max"`` (default), ``"mean"`` or ``"sum"`` over directions.
    """

    def __init__(self, resolution: int, hidden: int = 64, *, reduce: str = "max") -> None:
        super().__init__()
        if reduce not in ("max", "mean", "sum"):
            raise ValueError(f"reduce must be 'max', 'mean' or 'sum', got {reduce!r}")
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
            raise ValueError(f"resolution must be a positive int (thresholds R), got {resolution!r}")
        if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 1:
            raise ValueError(f"hidden must be a positive int (width of the MLP), got {hidden!r}")
        self.resolution, self.hidden, self.reduce = resolution, hidden, reduce
        self.mlp = nn.Sequential(nn.Linear(resolution, hidden), nn.ReLU(), nn.Linear(hidden, hidden))

    def reset_parameters(self) -> None:
        for layer in (self.mlp[0], self.mlp[2]):
            layer.reset_parameters()

    def forward(self, img: Tensor) -> Tensor:
        """``[B, R, T] -> [B, hidden]``."""
        if not isinstance(img, Tensor) or img.dim() != 3 or img.shape[1] != self.resolution or img.shape[2] < 1:
            raise ValueError(f"DirectionPooling expects ECT images [B, {self.resolution}, T] with T >= 1, "
                             f"got {tuple(getattr(img, 'shape', ())) or type(img).__name__}")
        check_matches_parameters(img, self, "img")
        z = self.mlp(img.transpose(1, 2))  # [B, T, hidden]
        if self.reduce == "max":
            return z.amax(dim=1)
        return z.mean(dim=1) if self.reduce == "mean" else z.sum(dim=1)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(resolution={self.resolution}, hidden={self.hidden}, "
                f"reduce={self.reduce!r})")
