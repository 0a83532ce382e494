"""Input checks shared by every public entry point.

Each check raises a ``ValueError`` or ``TypeError`` that names the argument and
the problem, so that bad input never reaches a kernel (where it would crash or
produce silent garbage). Checks that would need a host sync on a CUDA tensor
(finiteness, index ranges, sortedness) are still done: they cost one reduction
and a wrong answer costs more; pass ``validate=False`` to the entry points to skip
them in a tight loop.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def check_tensor(x: object, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_has_data(**tensors: Tensor | None) -> None:
    """Tensors on the ``meta`` device have shapes but no values: nothing can be computed."""
    for name, t in tensors.items():
        if t is not None and t.device.type == "meta":
            raise ValueError(f"{name} is on the meta device, which holds no data; "
                             "move it to the cpu or a cuda device")


def check_count(value: object, name: str, minimum: int = 0) -> int:
    """A non-negative Python (or 0-d integer tensor / numpy) integer, returned as ``int``."""
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_floating_point() \
            and value.dtype != torch.bool:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


# dtypes the kernels compute in (float16 / bfloat16 are upcast to float32 for pairing)
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
# A batch of N vertices holds at most N non-empty samples; this many empty ones more
# are accepted (PyG batches may end in empty graphs). Beyond: a mistake, refused
# before per-sample buffers are allocated.
MAX_EMPTY_SAMPLES = 1 << 16


def check_dense(x: Tensor, name: str) -> None:
    if x.layout != torch.strided:
        raise TypeError(f"{name} is a sparse tensor (layout {x.layout}); topograph needs dense "
                        f"tensors: pass {name}.to_dense()")


def check_float(x: Tensor, name: str) -> None:
    check_tensor(x, name)
    check_dense(x, name)
    if not torch.is_floating_point(x):
        raise TypeError(f"{name} must be a floating point tensor, got dtype {x.dtype}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {x.dtype}, which topograph does not compute in; "
                        f"use float32, float64, float16 or bfloat16 (e.g. {name}.float())")


def is_index_dtype(dtype: torch.dtype) -> bool:
    """The one rule for vertex / sample indices: every integer dtype, signed or unsigned
    (int8 ... int64, uint8 ... uint64); not bool, not floating point."""
    return not dtype.is_floating_point and not dtype.is_complex and dtype != torch.bool


def _as_comparable(idx: Tensor) -> Tensor:
    """uint16/32/64 have few torch kernels: compare them as int64."""
    return idx if idx.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8) else idx.long()


def check_num_samples(num_samples: int, num_vertices: int, name: str = "num_samples") -> None:
    """Refuse implausible sample counts before anything per-sample is allocated."""
    if num_samples > num_vertices + MAX_EMPTY_SAMPLES:
        raise ValueError(
            f"{name}={num_samples} is implausible for {num_vertices} vertices: a batch holds at "
            f"most one non-empty sample per vertex (plus up to {MAX_EMPTY_SAMPLES} empty ones); "
            f"pass the number of samples in the batch")


def memory_bytes(device: torch.device) -> int | None:
    """Total memory of ``device`` (host RAM for the CPU), or None if unknown."""
    try:
        if device.type == "cpu":
            import os

            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        if device.type == "cuda":
            return torch.cuda.get_device_properties(device).total_memory
    except (ValueError, OSError, AttributeError, RuntimeError):  # pragma: no cover
        return None
    return None


def check_allocation(nbytes: int, what: str, device: torch.device) -> None:
    """Refuse an allocation larger than the device's whole memory, with its size."""
    total = memory_bytes(device)
    if total is not None and nbytes > total:
        raise ValueError(f"{what} would need {nbytes / 2**30:,.1f} GiB, more than the "
                         f"{total / 2**30:,.1f} GiB of memory on {device}; request less")


def all_finite(x: Tensor) -> bool:
    """Whether every entry of ``x`` is finite. One reduction first (a sum is finite
    iff every entry is, barring overflow); the elementwise test, about four passes
    over ``x``, runs only when the sum is not finite. One host sync on CUDA."""
    with torch.no_grad():
        return bool(torch.isfinite(x.sum())) or bool(torch.isfinite(x).all())


def check_finite(x: Tensor, name: str) -> None:
    if not all_finite(x):
        bad = "NaN" if bool(torch.isnan(x).any()) else "inf"
        raise ValueError(f"{name} contains {bad} values; filtration values must be finite")


def check_same_device(**tensors: Tensor | None) -> None:
    devices = {name: t.device for name, t in tensors.items() if t is not None}
    if len(set(devices.values())) > 1:
        desc = ", ".join(f"{n} on {d}" for n, d in devices.items())
        raise ValueError(f"all tensors must be on the same device, got {desc}")


def check_index_layout(idx: Tensor, name: str, rows: int | None = None) -> None:
    """Catch the usual mix-ups before the dtype / shape checks, with the fix in the message:
    a sparse adjacency matrix, a dense (float) adjacency matrix, or trimesh-style rows
    ``[M, rows]`` instead of columns ``[rows, M]``."""
    if idx.layout != torch.strided:
        raise TypeError(
            f"{name} is a sparse adjacency matrix (layout {idx.layout}), not a [2, E] index list; "
            "pass its indices instead: adj.to_sparse_coo().coalesce().indices() "
            "(or torch_geometric.utils.to_edge_index(adj)[0])")
    if (rows == 2 and idx.dim() == 2 and idx.shape[0] == idx.shape[1] and idx.shape[0] != 2
            and (idx.dtype.is_floating_point or idx.dtype == torch.bool)):
        raise TypeError(
            f"{name} looks like a dense adjacency matrix {list(idx.shape)} of dtype {idx.dtype}, "
            f"not a [2, E] edge list; pass adj.nonzero().T")
    if rows is not None and idx.dim() == 2 and idx.shape[0] != rows and idx.shape[1] == rows:
        example = " (e.g. torch.as_tensor(mesh.faces).T)" if rows == 3 else ""
        raise ValueError(
            f"{name} must have shape [{rows}, M] (one column per simplex), got {list(idx.shape)}: "
            f"this looks like rows [M, {rows}] as trimesh and numpy store them; pass "
            f"{name}.T{example}")


def check_matches_parameters(x: Tensor, module: torch.nn.Module, name: str = "x") -> None:
    """A floating input must have the dtype of the layer's parameters: float64 data into a
    float32 layer would otherwise fail deep inside a matmul ("mat1 and mat2 must have the
    same dtype")."""
    param = next((p for p in module.parameters() if p.is_floating_point()), None)
    if param is not None and x.is_floating_point() and x.dtype != param.dtype:
        cls = type(module).__name__
        raise TypeError(
            f"{name} has dtype {x.dtype} but {cls}'s parameters are {param.dtype}; convert the "
            f"input ({name}.to({param.dtype}), e.g. {name}.float()) or the whole model "
            f"(model.to({x.dtype}))")


def check_index(idx: Tensor, name: str, size: int, rows: int | None = None) -> None:
    """Integer index tensor with values in [0, size); ``rows`` checks ``idx.shape[0]``."""
    check_tensor(idx, name)
    check_index_layout(idx, name, rows)
    if not is_index_dtype(idx.dtype):
        raise TypeError(f"{name} must be an integer tensor (any signed or unsigned integer "
                        f"dtype), got dtype {idx.dtype}")
    if rows is not None and (idx.dim() != 2 or idx.shape[0] != rows):
        raise ValueError(f"{name} must have shape [{rows}, M], got {list(idx.shape)}")
    if idx.numel():
        c = _as_comparable(idx)
        lo, hi = int(c.min()), int(c.max())
        if lo < 0 or hi >= size:
            raise ValueError(
                f"{name} refers to index {lo if lo < 0 else hi}, outside [0, {size}) "
                f"({size} vertices)")


def check_edges_within_graphs(edge_index: Tensor, batch: Tensor, name: str = "edge_index") -> None:
    """Every edge (or face) must join vertices of one graph of the batch."""
    if edge_index.numel() == 0:
        return
    ids = batch[edge_index.long()]  # [rows, M]
    bad = (ids != ids[:1]).any(0)
    if bool(bad.any()):
        j = int(bad.nonzero()[0, 0])
        cols = edge_index[:, j].tolist()
        raise ValueError(f"{name} column {j} {tuple(cols)} joins vertices of different graphs "
                         f"({sorted(set(ids[:, j].tolist()))} in the batch vector); "
                         "edges must stay inside one graph")
