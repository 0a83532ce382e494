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

import torch
from torch import Tensor

from topograph.core.validation import check_batch, check_index, check_same_device


def canonical_edges(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Undirected, deduplicated edges ``[2, E]`` with ``u < v``, self-loops removed.

    Edges are sorted by ``(u, v)``; with a sorted batch vector this keeps the edges
    of each graph contiguous and in graph order.
    """
    if edge_index.numel() == 0:
        return edge_index.new_zeros((2, 0), dtype=torch.long)
    ei = edge_index.long()
    u = torch.minimum(ei[0], ei[1])
    v = torch.maximum(ei[0], ei[1])
    keep = u != v
    key = torch.unique(u[keep] * num_nodes + v[keep])  # sorted
    return torch.stack([key // num_nodes, key % num_nodes])


def canonical_faces(faces: Tensor) -> Tensor:
    """Triangles ``[3, F]`` with sorted vertices, degenerate and duplicate ones removed."""
    if faces.numel() == 0:
        return faces.new_zeros((3, 0), dtype=torch.long)
    f = torch.sort(faces.long(), dim=0).values
    keep = (f[0] != f[1]) & (f[1] != f[2])
    return torch.unique(f[:, keep], dim=1)


def edges_of_faces(faces: Tensor) -> Tensor:
    """All edges ``[2, 3F]`` of the triangles (not deduplicated)."""
    return torch.cat([faces[[0, 1]], faces[[1, 2]], faces[[0, 2]]], dim=1)


@dataclass(frozen=True)
class GraphBatch:
    """A batch of graphs or 2-complexes in canonical form.

    Attributes:
        batch: ``[N]`` sorted graph id of every vertex.
        edge_index: ``[2, E]`` canonical edges (``u < v``), grouped by graph.
        faces: ``[3, F]`` triangles with sorted vertices, or ``None``.
        num_graphs: number of graphs (graphs may have no vertices at the end).
    """

    batch: Tensor
    edge_index: Tensor
    num_graphs: int
    faces: Tensor | None = None

    @property
    def num_nodes(self) -> int:
        return self.batch.numel()

    @property
    def device(self) -> torch.device:
        return self.batch.device

    @property
    def edge_batch(self) -> Tensor:
        """Graph id of every edge ``[E]``."""
        return self.batch[self.edge_index[0]]

    @classmethod
    def from_edge_index(
        cls,
        edge_index: Tensor,
        num_nodes: int,
        batch: Tensor | None = None,
        faces: Tensor | None = None,
        num_graphs: int | None = None,
    ) -> "GraphBatch":
        """Cleans ``edge_index`` (any direction, duplicates, self-loops) into canonical form.

        Faces, if given, also contribute their edges, so a mesh given only by its
        triangles is a valid complex.
        """
        check_index(edge_index, "edge_index", num_nodes, rows=2)
        check_same_device(edge_index=edge_index, batch=batch, faces=faces)
        if batch is None:
            batch = torch.zeros(num_nodes, dtype=torch.long, device=edge_index.device)
            num_graphs = 1 if num_graphs is None else num_graphs
        num_graphs = check_batch(batch, num_nodes, num_graphs)
        if faces is not None:
            check_index(faces, "faces", num_nodes, rows=3)
            faces = canonical_faces(faces)
            edge_index = torch.cat([edge_index.long(), edges_of_faces(faces)], dim=1)
        return cls(batch.long(), canonical_edges(edge_index, num_nodes), num_graphs, faces)

    @classmethod
    def from_pyg(cls, data: Any) -> "GraphBatch":
        """From a PyG ``Data`` or ``Batch`` (uses ``edge_index``, ``batch`` and ``face``)."""
        n = int(data.num_nodes)
        batch = getattr(data, "batch", None)
        num_graphs = getattr(data, "num_graphs", None) if batch is not None else 1
        edge_index = data.edge_index if data.edge_index is not None else torch.zeros(
            2, 0, dtype=torch.long)
        return cls.from_edge_index(edge_index, n, batch, getattr(data, "face", None), num_graphs)

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
        return cls.from_edge_index(edge_index, offset, batch, num_graphs=len(sizes))

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
        return cls.from_edge_index(torch.zeros(2, 0, dtype=torch.long), offset, batch, face,
                                   num_graphs=len(sizes))
