"""Input checks of the ECT's own arguments (coordinates, directions, options).

The complex itself (simplices, batch) is the core's
:class:`~topograph.core.complex.GraphBatch`, checked and cleaned by the core's one
validation (:mod:`topograph.core.complex_checks`), as for persistence. The
coordinate and direction checks here are gathered into one flag tensor so that
they cost a single host synchronisation.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core.validation import (
    check_allocation,
    check_dense,
    check_float,
    check_num_samples,
    check_tensor,
)


def check_config(resolution: int, radius: float, scale: float | None) -> None:
    """Validate the scalar options shared by ect(), layers and transforms."""
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise TypeError(f"resolution must be an int, got {type(resolution).__name__}")
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2 (number of thresholds), got {resolution}")
    if not isinstance(radius, (int, float)) or not math.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be a finite number > 0, got {radius!r}")
    if scale is not None and (not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0):
        raise ValueError(f"scale must be None (exact ECT) or a finite number > 0, got {scale!r}")


def prepare(
    x: Tensor,
    directions: Tensor,
    edge_index: Tensor | None,
    faces: Tensor | None,
    batch: Tensor | None,
    num_samples: int | None,
    simplices: Sequence[Tensor] | None = None,
    complex: GraphBatch | None = None,
) -> tuple[Tensor, Tensor, GraphBatch]:
    """Check all inputs; return ``(x, directions, complex)`` with the core's cleaned complex."""
    x = check_tensor(x, "x")
    directions = check_tensor(directions, "directions")
    if x.dtype.is_floating_point:  # sparse layouts, float8: a clear TypeError
        check_float(x, "x")
    if directions.dtype.is_floating_point:
        check_float(directions, "directions")
    if not x.dtype.is_floating_point:
        raise TypeError(f"x must be a floating point tensor of coordinates, got dtype {x.dtype}; use x.float()")
    if x.dim() != 2:
        raise ValueError(f"x must have shape [N, d], got {tuple(x.shape)}")
    if not directions.dtype.is_floating_point:
        raise TypeError(f"directions must be a floating point tensor, got dtype {directions.dtype}")
    if directions.dim() != 2 or directions.shape[0] < 1:
        raise ValueError(f"directions must have shape [T, d] with T >= 1, got {tuple(directions.shape)}")
    if directions.shape[1] != x.shape[1]:
        raise ValueError(
            f"directions have dimension {directions.shape[1]} but x has dimension {x.shape[1]}; "
            "directions must be rows [T, d] in the coordinates' space"
        )
    device = x.device
    if directions.device != device:
        raise ValueError(f"directions are on {directions.device} but x is on {device}; move them to one device")
    directions = directions.to(x.dtype)
    n = x.shape[0]
    if device.type == "meta":
        raise ValueError("x is on the meta device, which holds no data; "
                         "move the inputs to the cpu or a cuda device")
    if complex is not None:
        if any(t is not None for t in (edge_index, faces, batch)) or simplices:
            raise ValueError("pass either complex= or the keyword tensors (edge_index, faces, "
                             "simplices, batch), not both")
        if not isinstance(complex, GraphBatch):
            raise TypeError(f"complex must be a topograph GraphBatch, got {type(complex).__name__}")
        if complex.num_nodes != n:
            raise ValueError(f"x has {n} vertices but the complex has {complex.num_nodes}")
        if complex.device != device:
            raise ValueError(f"the complex is on {complex.device} but x is on {device}; "
                             "move them to one device")
    else:
        if batch is not None and isinstance(batch, Tensor):
            check_dense(batch, "batch")
        if isinstance(num_samples, int) and not isinstance(num_samples, bool) and num_samples >= 1:
            check_num_samples(num_samples, n)
        complex = GraphBatch.from_edge_index(edge_index, n, batch, faces=faces, num_samples=num_samples,
                                             simplices=simplices, sorted_batch=False,
                                             samples_name="num_samples")

    # one host sync for all value checks of the coordinates and directions
    names, flags = [], []

    def flag(name: str, value: Tensor) -> None:
        names.append(name)
        flags.append(value.reshape(()))

    flag("x contains NaN or inf coordinates", ~torch.isfinite(x).all())
    flag("directions contain NaN or inf", ~torch.isfinite(directions).all())
    flag("directions contain a zero-length row", (directions.abs().sum(dim=1) == 0).any())
    if n:  # |<x, v>| <= max|x| * max ||v||_1: the heights must not overflow the dtype
        bound = x.detach().abs().amax() * directions.detach().abs().sum(dim=1).amax()
        flag(f"coordinates are too large: heights x @ directions overflow {x.dtype} "
             "(rescale x or use float64)", bound > torch.finfo(x.dtype).max)
    bad = torch.stack(flags)
    if bool(bad.any()):
        problems = [nm for nm, f in zip(names, bad.tolist()) if f]
        raise ValueError("invalid ECT input: " + "; ".join(problems))
    return x, directions, complex


def check_image_size(num_samples: int, resolution: int, num_dirs: int, dtype: torch.dtype,
                     device: torch.device) -> None:
    """Refuse an ECT whose buffers (the image, the histogram or the sigmoid table, the
    thresholds) would exceed the device's memory, before allocating any of them."""
    itemsize = torch.empty((), dtype=dtype).element_size()
    nbytes = 3 * num_samples * num_dirs * (resolution + 1) * itemsize + 16 * resolution
    check_allocation(nbytes, f"an ECT of {num_samples} samples x resolution={resolution} "
                             f"thresholds x {num_dirs} directions", device)
