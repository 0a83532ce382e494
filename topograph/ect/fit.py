"""Keep shapes inside the ECT's threshold range: a range check and a unit-ball fit.

The ECT counts a simplex at threshold ``t`` once its height ``max <x, v>`` is at
or below ``t``. Thresholds stop at ``radius``, so a simplex higher than
``radius`` in some direction is never counted: the image is silently truncated
(its last row is no longer the Euler characteristic). :func:`check_height_range`
turns that into an :class:`ECTRangeWarning` naming the largest height, and
:func:`fit_to_unit_ball` (from :mod:`topograph.core.geometry`, shared with the
data loaders) is the explicit, per-sample, differentiable fix.
"""
from __future__ import annotations

import os
import sys
import warnings

import torch
from torch import Tensor

from topograph.core.geometry import fit_to_unit_ball

__all__ = ["ECTRangeWarning", "check_height_range", "check_height_range_once", "fit_to_unit_ball"]


class ECTRangeWarning(UserWarning):
    """Vertex heights fall outside ``[-radius, radius]``: the ECT image is truncated.

    Turn it into an error with ``warnings.simplefilter("error", ECTRangeWarning)``.
    """


_HERE = os.path.dirname(os.path.abspath(__file__))
_TORCH_NN = os.path.dirname(os.path.abspath(torch.nn.modules.module.__file__))


def _user_stacklevel() -> int:
    """Stack level of the first frame outside this package and torch.nn (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) in (_HERE, _TORCH_NN):
        frame, level = frame.f_back, level + 1
    return level


def check_height_range(heights: Tensor, radius: float, x: Tensor | None = None,
                       directions: Tensor | None = None) -> float | None:
    """Warn once (one :class:`ECTRangeWarning` for the whole call) if ``|heights| > radius``.

    ``heights`` is ``[N, T]`` (vertex, direction). Returns the largest absolute
    height when it is outside the range, else ``None``. With the coordinates
    ``x [N, d]`` and ``directions [T, d]`` a cheap bound ``max |x| * max |v|``
    settles most calls (shapes fitted into the ball); otherwise one pass over
    the heights. One host synchronisation (two when the bound fails); on CUDA
    pass ``validate=False`` to the ECT to skip it once the data is known to fit.
    """
    if heights.numel() == 0:
        return None
    if x is not None and directions is not None:
        # Cauchy-Schwarz, |<x, v>| <= |x| |v|: O(N d) instead of O(N T); the exact
        # pass below runs only when this bound does not settle it
        bound = x.detach().norm(dim=1).amax() * directions.detach().norm(dim=1).amax()
        if float(bound) <= radius:
            return None
    lo, hi = torch.aminmax(heights.detach())  # one pass, no |h| temporary
    hmax = float(torch.maximum(-lo, hi))  # the one host sync
    if not hmax > radius:
        return None
    warnings.warn(
        f"ECT vertex heights reach {hmax:.4g}, outside the threshold range [-{radius:g}, {radius:g}]: "
        f"simplices higher than {radius:g} are never counted, so the image is truncated (its last "
        "row is not the Euler characteristic). Fit each shape into the ball first "
        "(topograph.ect.fit_to_unit_ball(x, batch), the FitToUnitBall transform, or "
        f"mesh_to_data(mesh, fit_to_unit_ball=True)), or set radius >= {hmax:.4g}. "
        "validate=False skips this check.",
        ECTRangeWarning, stacklevel=_user_stacklevel())
    return hmax


def check_height_range_once(owner: object, x: object, directions: Tensor, radius: float) -> None:
    """:func:`check_height_range` for a layer or transform: warns at most once per ``owner``.

    A training loop or a data set pipeline then gets one warning, not one per
    step or sample; after it, the check (and its host sync) is skipped. Inputs
    that the ECT would reject are left to the ECT's own errors.
    """
    if getattr(owner, "_range_warned", False):
        return
    if not (isinstance(x, Tensor) and x.is_floating_point() and x.dim() == 2
            and x.shape[1] == directions.shape[-1] and x.shape[0] and x.device.type != "meta"
            and x.device == directions.device):
        return
    directions = directions.to(x.dtype)
    with torch.no_grad():  # the cheap bound first, the [N, T] heights only when it fails
        if float(x.norm(dim=1).amax() * directions.norm(dim=1).amax()) <= radius:
            return
        heights = x @ directions.T
    if check_height_range(heights, float(radius)) is not None:
        owner._range_warned = True  # type: ignore[attr-defined]
