"""Batched simplicial complexes (vertices, edges, optional triangles).

A :class:`GraphBatch` is the one representation of a batch of graphs / 2-complexes
that the core works with: a sorted PyG-style ``batch`` vector, canonical edges
``[2, E]`` (``u < v``, no self-loops, no duplicates, sorted so that the edges of
each graph are contiguous) and optional triangles ``[3, F]``. Constructors accept
whatever users have (PyG ``Data``/``Batch``, ``(edge_index, batch)``, networkx
graphs, trimesh meshes) and clean it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import Tensor

from topograph.core.complex_checks import check_complex
from topograph.core._deprecation import deprecated_alias, keyword_only, renamed_kwargs
from topograph.core.validation import (
    check_count,
    check_has_data,
    check_same_device,
    check_tensor,
)


def _use_numpy(t: Tensor) -> bool:
    """Index bookkeeping of CPU tensors runs in numpy; other devices stay in torch."""
    return t.device.type == "cpu"


def _unique(key):
    """Sorted unique values of a numpy array or tensor (sort + neighbour test).

    On the CPU this runs in numpy: torch.unique / torch.sort hit a slow path for
    the partly ordered keys of mesh edges (tens of ms for 45k keys).
    """
    if isinstance(key, np.ndarray):
        s = np.sort(key)
        return np.concatenate([s[:1], s[1:][s[1:] != s[:-1]]])
    s = torch.sort(key).values
    return torch.cat([s[:1], s[1:][s[1:] != s[:-1]]])


def canonical_edge_map(a: np.ndarray, b: np.ndarray,
                       num_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Canonical edges ``cu, cv [E]`` of the int64 columns ``(a, b)`` and the map between
    them: ``canon [E_in]`` (canonical edge of every column, -1 for a self-loop) and
    ``source [E]`` (first column of every canonical edge). One numba pass, O(E + N)
    (:func:`topograph.core.pairing._graph_inputs.canonical_edge_map`); raises
    ``ValueError`` for an endpoint outside ``0..num_nodes-1``."""
    from topograph.core.kernels import numba_pairing

    if a.shape[0] >= 2**32 or num_nodes >= 2**32:  # the kernel packs both in 32 bits
        raise ValueError(f"{a.shape[0]} edge columns on {num_nodes} vertices: at most "
                         "2**32 - 1 of each are supported")
    # the kernel calls no other file's kernel: its disk cache needs no numba_ready
    cu, cv, canon, source, ok = numba_pairing().canonical_edge_map(a, b, num_nodes)
    if not ok:
        raise ValueError(f"edge_index has vertex ids outside 0..{num_nodes - 1} "
                         f"(min {int(min(a.min(), b.min()))}, max {int(max(a.max(), b.max()))})")
    return cu, cv, canon, source


def canonical_edges(edge_index: Tensor, num_nodes: int, faces: Tensor | None = None) -> Tensor:
    """Undirected, deduplicated edges ``[2, E]`` with ``u < v``, self-loops removed.

    ``faces`` (``[3, F]``), if given, contribute their three edges each. Edges are
    sorted by ``(u, v)``; with a sorted batch vector this keeps the edges of each
    graph contiguous and in graph order.
    """
    device = edge_index.device
    cpu = _use_numpy(edge_index)
    xp = np if cpu else torch
    parts = [edge_index.numpy() if cpu else edge_index] if edge_index.numel() else []
    if faces is not None and faces.numel():
        f = faces.numpy() if cpu else faces
        parts += [f[[0, 1]], f[[1, 2]], f[[0, 2]]]
    if not parts:
        return torch.zeros((2, 0), dtype=torch.long, device=device)
    if cpu:
        e = parts[0] if len(parts) == 1 and parts[0].dtype == np.int64 else \
            np.concatenate(parts, axis=1).astype(np.int64)
    else:
        e = torch.cat(parts, 1).long()
    if cpu and e.shape[1] < 2**32 and num_nodes < 2**32:
        cu, cv, _, _ = canonical_edge_map(e[0], e[1], num_nodes)
        return torch.from_numpy(np.stack([cu, cv]))
    u, v = xp.minimum(e[0], e[1]), xp.maximum(e[0], e[1])
    keep = u != v
    key = _unique(u[keep] * num_nodes + v[keep])
    out = xp.stack([key // num_nodes, key % num_nodes])
    return torch.from_numpy(out) if cpu else out


def canonical_faces(faces: Tensor, num_nodes: int | None = None) -> Tensor:
    """Triangles ``[3, F]`` with sorted vertices; degenerate (repeated vertex) and
    duplicate triangles are removed."""
    device = faces.device
    if faces.numel() == 0:
        return torch.zeros((3, 0), dtype=torch.long, device=device)
    cpu = _use_numpy(faces)
    xp = np if cpu else torch
    f = faces.numpy().astype(np.int64) if cpu else faces.long()
    a, b, c = f[0], f[1], f[2]  # sort three rows with min/max (faster than a sort along dim 0)
    lo, hi = xp.minimum(xp.minimum(a, b), c), xp.maximum(xp.maximum(a, b), c)
    f = xp.stack([lo, a + b + c - lo - hi, hi])
    f = f[:, (f[0] != f[1]) & (f[1] != f[2])]
    n = int(num_nodes) if num_nodes is not None else (int(f.max()) + 1 if f.shape[1] else 1)
    if n ** 3 < 2**62:  # one integer key per triangle
        key = _unique((f[0] * n + f[1]) * n + f[2])
        f = xp.stack([key // (n * n), (key // n) % n, key % n])
    else:
        f = np.unique(f, axis=1) if cpu else torch.unique(f, dim=1)
    return torch.from_numpy(np.ascontiguousarray(f)) if cpu else f


def canonical_simplices(simplices: Tensor) -> Tensor:
    """Simplices ``[q, S]`` with sorted vertices; degenerate and duplicate columns removed."""
    if simplices.numel() == 0:
        return simplices.long().reshape(simplices.shape[0], 0)
    s = torch.sort(simplices.long(), dim=0).values
    s = s[:, (s[1:] != s[:-1]).all(0)]
    return torch.unique(s, dim=1) if s.shape[1] else s


def boundary_faces(simplices: Tensor) -> Tensor:
    """All codimension-1 faces ``[q - 1, q * S]`` of simplices ``[q, S]`` (not deduplicated)."""
    q = simplices.shape[0]
    return torch.cat([simplices[[i for i in range(q) if i != j]] for j in range(q)], dim=1)


def close_simplices(faces: Tensor | None, simplices: Sequence[Tensor]) -> tuple[Tensor | None, tuple]:
    """Canonical higher simplices and the triangles closed under taking faces.

    Returns ``(faces, simplices)`` where ``simplices[i]`` holds the ``(i + 3)``-simplices
    (``[i + 4, S]``), including the faces of every higher simplex.
    """
    by_dim: dict[int, list[Tensor]] = {}
    for s in simplices:
        by_dim.setdefault(s.shape[0] - 1, []).append(s.long())
    top = max(by_dim) if by_dim else 2
    out: list[Tensor] = []
    for d in range(top, 2, -1):
        parts = by_dim.get(d, [])
        cur = canonical_simplices(torch.cat(parts, 1)) if parts else None
        if cur is None:
            ref = simplices[0]
            cur = torch.zeros((d + 1, 0), dtype=torch.long, device=ref.device)
        out.append(cur)
        if cur.shape[1]:
            by_dim.setdefault(d - 1, []).append(boundary_faces(cur))
    extra = by_dim.get(2, [])
    if faces is None:
        faces = torch.zeros((3, 0), dtype=torch.long, device=simplices[0].device)
    if extra:
        faces = torch.cat([faces.long()] + extra, 1)
    return faces, tuple(reversed(out))


@dataclass(frozen=True)
class GraphBatch:
    """A batch of simplicial complexes (graphs, meshes, volume meshes) in canonical form.

    The one complex of the library: persistence, the PHT, the ECT and TOGL take it
    (or the same keyword tensors, from which they build it). Canonical form: sorted
    vertex ids within every simplex, no degenerate or duplicate simplices, closed
    under faces (the edges of every triangle, the triangles of every tetrahedron,
    ...), simplices grouped by sample.

    Attributes:
        batch: ``[N]`` sample id of every vertex (sorted, PyG style).
        edge_index: ``[2, E]`` canonical edges (``u < v``), grouped by sample.
        num_samples: number of samples B (samples may have no vertices at the end;
            deprecated alias: ``num_graphs``).
        faces: ``[3, F]`` triangles with sorted vertices, or ``None`` (a graph).
        simplices: higher simplices: ``simplices[i]`` is ``[i + 4, S]`` (dimension
            ``i + 3``: tetrahedra first), empty tuple if none.
    """

    batch: Tensor
    edge_index: Tensor
    num_samples: int
    faces: Tensor | None = None
    simplices: tuple = ()

    def groups(self) -> list[tuple[int, Tensor]]:
        """``(dimension, simplices [q, S])`` of every dimension present, vertices first."""
        n = self.num_nodes
        out = [(0, torch.arange(n, device=self.device)[None, :]), (1, self.edge_index)]
        if self.faces is not None:
            out.append((2, self.faces))
        out += [(i + 3, s) for i, s in enumerate(self.simplices)]
        return [(d, s) for d, s in out if s.shape[1]]

    num_graphs = deprecated_alias("num_samples", "num_graphs")

    @property
    def num_nodes(self) -> int:
        return self.batch.numel()

    @property
    def device(self) -> torch.device:
        return self.batch.device

    @property
    def edge_batch(self) -> Tensor:
        """Graph id of every edge ``[E]``."""
        return self.batch.index_select(0, self.edge_index[0])

    @classmethod
    @keyword_only(4, ("faces", "num_samples"))
    @renamed_kwargs(num_graphs="num_samples")
    def from_edge_index(
        cls,
        edge_index: Tensor | None,
        num_nodes: int,
        batch: Tensor | None = None,
        *,
        faces: Tensor | None = None,
        num_samples: int | None = None,
        simplices: Sequence[Tensor] | None = None,
        sorted_batch: bool = True,
        validate: bool = True,
        samples_name: str = "num_samples",
    ) -> "GraphBatch":
        """Cleans the simplices (any orientation, duplicates, self-loops, degenerate
        simplices) into canonical form, closed under faces.

        A mesh given only by its triangles (``edge_index=None``) is a valid complex.
        ``sorted_batch=False`` accepts sample ids in any order (only the ECT, which does
        not need grouped simplices, uses it). Validation: :mod:`topograph.core.complex_checks`.
        ``faces`` and ``num_samples`` are keyword-only (by position they still work,
        with a ``DeprecationWarning``).
        """
        num_nodes = check_count(num_nodes, "num_nodes")
        if edge_index is not None:
            check_tensor(edge_index, "edge_index")
        ref = edge_index if edge_index is not None else faces if faces is not None else batch
        device = ref.device if isinstance(ref, Tensor) else torch.device("cpu")
        check_same_device(edge_index=edge_index, batch=batch, faces=faces)
        check_has_data(edge_index=edge_index, batch=batch, faces=faces)
        simplices = tuple(simplices or ())
        if validate:
            num_samples = check_complex(num_nodes, device, edge_index=edge_index, faces=faces,
                                        simplices=simplices, batch=batch, num_samples=num_samples,
                                        sorted_batch=sorted_batch, samples_name=samples_name)
        elif num_samples is None:
            num_samples = int(batch.max()) + 1 if batch is not None and batch.numel() else 1
        if batch is None:
            batch = torch.zeros(num_nodes, dtype=torch.long, device=device)
        if edge_index is None:
            edge_index = torch.zeros((2, 0), dtype=torch.long, device=device)
        if simplices:
            faces, simplices = close_simplices(faces, simplices)
        if faces is not None:
            faces = canonical_faces(faces, num_nodes)
        return cls(batch.long(), canonical_edges(edge_index, num_nodes, faces), int(num_samples),
                   faces, simplices)

    @classmethod
    def from_pyg(cls, data: Any) -> "GraphBatch":
        """From a PyG ``Data`` or ``Batch`` (uses ``edge_index``, ``batch`` and ``face``)."""
        n = int(data.num_nodes)
        batch = getattr(data, "batch", None)
        num_samples = getattr(data, "num_graphs", None) if batch is not None else 1  # PyG's name
        edge_index = getattr(data, "edge_index", None)
        face = getattr(data, "face", None)
        if face is not None and face.dim() == 2 and face.shape[0] >= 4:  # tetrahedra (volume mesh)
            return cls.from_edge_index(edge_index, n, batch, num_samples=num_samples, simplices=[face])
        return cls.from_edge_index(edge_index, n, batch, faces=face, num_samples=num_samples)

    @classmethod
    def from_networkx(cls, graphs: Any | Sequence[Any]) -> "GraphBatch":
        """From one networkx graph or a list; vertices are relabelled in their listed order."""
        if not isinstance(graphs, (list, tuple)):
            graphs = [graphs]
        edges, sizes, offset = [], [], 0
        for g in graphs:
            index = {node: i for i, node in enumerate(g.nodes())}
            pairs = [(index[a] + offset, index[b] + offset) for a, b in g.edges()]
            edges.extend(pairs)
            sizes.append(len(index))
            offset += len(index)
        edge_index = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
        batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes, dtype=torch.long))
        return cls.from_edge_index(edge_index, offset, batch=batch, num_samples=len(sizes))

    @classmethod
    def from_trimesh(cls, meshes: Any | Iterable[Any]) -> "GraphBatch":
        """From one trimesh mesh or a list: vertices, edges and triangles."""
        if not isinstance(meshes, (list, tuple)):
            meshes = [meshes]
        faces, sizes, offset = [], [], 0
        for mesh in meshes:
            faces.append(torch.as_tensor(mesh.faces, dtype=torch.long).T + offset)
            sizes.append(len(mesh.vertices))
            offset += len(mesh.vertices)
        face = torch.cat(faces, dim=1) if faces else torch.zeros(3, 0, dtype=torch.long)
        batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes, dtype=torch.long))
        return cls.from_edge_index(torch.zeros(2, 0, dtype=torch.long), offset, batch=batch,
                                   faces=face, num_samples=len(sizes))
