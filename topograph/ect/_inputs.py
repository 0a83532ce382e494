"""Input checks and complex assembly for :func:`topograph.ect.ect`.

Every public entry point of the ECT goes through :func:`prepare`, so all of them
raise the same clear ``TypeError``/``ValueError`` for bad inputs. Value checks
(NaN, index ranges, zero directions, batch ids) are gathered into one flag
tensor so that they cost a single host synchronisation.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from topograph.core.complex import canonical_edges, canonical_faces
from topograph.core.validation import (
    check_allocation,
    check_dense,
    check_float,
    check_index_layout,
    check_num_samples,
)


class Complex(NamedTuple):
    """A cleaned, batched simplicial complex ready for the ECT."""

    x: Tensor  # [N, d] float coordinates
    directions: Tensor  # [T, d] same dtype/device as x
    edges: Tensor  # [2, E] long, u < v, unique
    faces: Tensor  # [3, F] long, sorted per column, unique, non-degenerate
    batch: Tensor  # [N] long sample id of every vertex
    num_samples: int


def _check_tensor(name: str, value: object) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value


def _check_index(name: str, idx: Tensor | None, rows: int, device: torch.device) -> Tensor | None:
    if idx is None:
        return None
    idx = _check_tensor(name, idx)
    check_index_layout(idx, name, rows)
    if idx.dtype.is_floating_point or idx.dtype.is_complex or idx.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer vertex indices, got dtype {idx.dtype}")
    if idx.dim() != 2 or idx.shape[0] != rows:
        raise ValueError(f"{name} must have shape [{rows}, K], got {tuple(idx.shape)}")
    if idx.device != device:
        raise ValueError(f"{name} is on {idx.device} but x is on {device}; move them to one device")
    return idx.long()


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
) -> Complex:
    """Check all inputs and return the cleaned complex (edges closed under faces)."""
    x = _check_tensor("x", x)
    directions = _check_tensor("directions", directions)
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
    edges = _check_index("edge_index", edge_index, 2, device)
    tri = _check_index("faces", faces, 3, device)
    if batch is not None:
        batch = _check_tensor("batch", batch)
        check_dense(batch, "batch")
        if batch.dtype.is_floating_point or batch.dtype == torch.bool or batch.dim() != 1:
            raise TypeError(f"batch must be a 1-D integer tensor of sample ids, got {batch.dtype} {tuple(batch.shape)}")
        if batch.shape[0] != n:
            raise ValueError(f"batch has length {batch.shape[0]} but x has {n} vertices; one id per vertex is needed")
        if batch.device != device:
            raise ValueError(f"batch is on {batch.device} but x is on {device}; move them to one device")
        batch = batch.long()
    if device.type == "meta":  # every other input is on x's device by now
        raise ValueError("x is on the meta device, which holds no data; "
                         "move the inputs to the cpu or a cuda device")
    if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1):
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    if num_samples is not None:
        check_num_samples(num_samples, n)

    # one host sync for all value checks
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
    for name, idx in (("edge_index", edges), ("faces", tri)):
        if idx is not None and idx.numel():
            flag(f"{name} references vertices outside 0..{n - 1} (x has {n} vertices)", ((idx < 0) | (idx >= n)).any())
    if batch is not None and n:
        flag("batch contains negative sample ids", (batch < 0).any())
        if num_samples is not None:
            flag(f"batch contains sample ids >= num_samples={num_samples}", (batch >= num_samples).any())
        for name, idx in (("edge_index", edges), ("faces", tri)):
            if idx is not None and idx.numel():
                ids = batch[idx.clamp(0, n - 1)]
                flag(f"{name} connects vertices of different samples", (ids != ids[:1]).any())
    bad = torch.stack(flags)
    if bool(bad.any()):
        problems = [nm for nm, f in zip(names, bad.tolist()) if f]
        raise ValueError("invalid ECT input: " + "; ".join(problems))

    if batch is None:
        batch = torch.zeros(n, dtype=torch.long, device=device)
        num_samples = num_samples or 1
    elif num_samples is None:
        num_samples = int(batch.max()) + 1 if n else 1  # host sync; pass num_samples to avoid it
    tri = canonical_faces(tri, n) if tri is not None else torch.zeros(3, 0, dtype=torch.long, device=device)
    if edges is None:
        edges = torch.zeros(2, 0, dtype=torch.long, device=device)
    return Complex(x, directions, canonical_edges(edges, n, tri), tri, batch, num_samples)


def check_image_size(num_samples: int, resolution: int, num_dirs: int, dtype: torch.dtype,
                     device: torch.device) -> None:
    """Refuse an ECT whose buffers (the image, the histogram or the sigmoid table, the
    thresholds) would exceed the device's memory, before allocating any of them."""
    itemsize = torch.empty((), dtype=dtype).element_size()
    nbytes = 3 * num_samples * num_dirs * (resolution + 1) * itemsize + 16 * resolution
    check_allocation(nbytes, f"an ECT of {num_samples} samples x resolution={resolution} "
                             f"thresholds x {num_dirs} directions", device)
