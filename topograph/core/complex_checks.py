"""The one validation of a batched complex (vertices, edges, triangles, higher simplices).

Every entry point that takes simplices (``lower_star_persistence``, ``pht``,
``ect``, ``ECTLayer``, the PyG transform, TOGL through :class:`GraphBatch`) checks
them here, once, before anything large is allocated, and with the same messages:
the argument, the offending value and the fix. Value checks (index ranges,
negative or unsorted sample ids, simplices spanning two samples) are gathered
into one flag tensor: one host synchronisation on a GPU, and details are only
computed on the error path.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from topograph.core.validation import (
    check_count,
    check_index_layout,
    check_num_samples,
    check_tensor,
    is_index_dtype,
)

def check_simplex_tensor(idx: object, name: str, rows: int | None, device: torch.device) -> Tensor:
    """Type, shape and device of an index tensor ``[rows, M]`` (``rows=None``: any >= 4)."""
    idx = check_tensor(idx, name)
    check_index_layout(idx, name, rows)  # sparse / dense adjacency, trimesh-style rows
    if not is_index_dtype(idx.dtype):
        raise TypeError(f"{name} must be an integer tensor of vertex indices, got dtype {idx.dtype}; "
                        f"use {name}.long()")
    if rows is not None and (idx.dim() != 2 or idx.shape[0] != rows):
        raise ValueError(f"{name} must have shape [{rows}, M] (one column per simplex), "
                         f"got {list(idx.shape)}")
    if rows is None and (idx.dim() != 2 or idx.shape[0] < 4):
        raise ValueError(f"{name} must have shape [d + 1, M] with d >= 3 (edges and triangles go "
                         f"to edge_index and faces), got {list(idx.shape)}")
    if idx.device != device:
        raise ValueError(f"{name} is on {idx.device} but the vertices are on {device}; "
                         "move them to one device")
    return idx


def check_complex(
    num_nodes: int,
    device: torch.device,
    *,
    edge_index: Tensor | None = None,
    faces: Tensor | None = None,
    simplices: Sequence[Tensor] = (),
    batch: Tensor | None = None,
    num_samples: int | None = None,
    sorted_batch: bool = True,
    samples_name: str = "num_samples",
) -> int:
    """Checks the simplices and the batch vector of a complex; returns the number of samples.

    ``sorted_batch=False`` accepts sample ids in any order (the ECT's scatter does not
    need sorted vertices; persistence does).
    """
    num_nodes = check_count(num_nodes, "num_nodes")
    if num_samples is not None:
        num_samples = check_count(num_samples, samples_name, minimum=1)
        check_num_samples(num_samples, num_nodes, samples_name)
    named = [("edge_index", edge_index, 2), ("faces", faces, 3)]
    named += [(f"simplices[{i}]", s, None) for i, s in enumerate(simplices)]
    named = [(nm, check_simplex_tensor(t, nm, rows, device), rows) for nm, t, rows in named
             if t is not None]
    if batch is not None:
        check_tensor(batch, "batch")
        if not is_index_dtype(batch.dtype):
            raise TypeError(f"batch must be an integer tensor of sample ids, got dtype {batch.dtype}")
        if batch.dim() != 1 or batch.numel() != num_nodes:
            raise ValueError(f"batch has length {batch.numel() if batch.dim() == 1 else list(batch.shape)} "
                             f"but there are {num_nodes} vertices: one entry per vertex is needed")
        if batch.device != device:
            raise ValueError(f"batch is on {batch.device} but the vertices are on {device}; "
                             "move them to one device")
    if device.type == "meta":
        raise ValueError("the vertices are on the meta device, which holds no data; "
                         "move the inputs to the cpu or a cuda device")
    n = num_nodes
    named = [(nm, t.long(), rows) for nm, t, rows in named]  # any integer dtype, unsigned too
    batch = batch.long() if batch is not None else None
    flags: list[Tensor] = []
    for _, idx, _ in named:  # 0: out of range
        flags.append(((idx < 0) | (idx >= n)).any() if idx.numel() else torch.zeros((), dtype=torch.bool))
    if batch is not None and n:
        flags.append((batch < 0).any())
        flags.append((batch[1:] < batch[:-1]).any() if sorted_batch else torch.zeros((), dtype=torch.bool,
                                                                                    device=device))
        flags.append(batch.max())
        for _, idx, _ in named:
            if idx.numel():
                # index_select: the CPU's advanced indexing is several times slower
                ids = batch.index_select(0, idx.clamp(0, n - 1).reshape(-1)).view(idx.shape)
                flags.append((ids != ids[:1]).any())
            else:
                flags.append(torch.zeros((), dtype=torch.bool, device=device))
    vals = torch.stack([f.to(device=device, dtype=torch.long).reshape(()) for f in flags]).tolist() \
        if flags else []
    for (nm, idx, _), bad in zip(named, vals):
        if bad:
            lo, hi = int(idx.min()), int(idx.max())
            raise ValueError(f"{nm} references vertices outside [0, {n}): it refers to index "
                             f"{lo if lo < 0 else hi} but there are {n} vertices")
    if batch is None:
        return int(num_samples or 1)
    if not n:
        return int(num_samples or 1)
    neg, unsorted, bmax = vals[len(named):len(named) + 3]
    if neg:
        raise ValueError(f"batch contains negative sample ids (e.g. {int(batch.min())}); "
                         "ids must be 0, 1, ...")
    if unsorted:
        raise ValueError("batch must be sorted (the vertices of each sample contiguous, as in PyG)")
    if num_samples is not None and bmax >= num_samples:
        raise ValueError(f"{samples_name}={num_samples} but batch refers to sample {bmax}; "
                         f"pass {samples_name} >= {bmax + 1}")
    for (nm, idx, _), bad in zip(named, vals[len(named) + 3:]):
        if bad:
            ids = batch[idx.long()]
            j = int((ids != ids[:1]).any(0).nonzero()[0, 0])
            raise ValueError(f"{nm} column {j} {tuple(idx[:, j].tolist())} joins vertices of different "
                             f"samples ({sorted(set(ids[:, j].tolist()))} in the batch vector; "
                             "different graphs of the batch); every simplex must stay inside one sample")
    return int(num_samples) if num_samples is not None else bmax + 1
