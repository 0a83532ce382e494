"""Mesh part of ``bench_core.py``: lower-star dims 0-2 (``faces=``) vs a gudhi loop.

16 meshes (8 icospheres, 8 tori) of 2k-10k triangles, k = 8 random height
directions. Reference: what a user of gudhi writes, one ``SimplexTree`` per mesh
and direction (``insert_batch`` of vertices, edges, triangles with their
lower-star values, ``compute_persistence``, ``persistence_pairs``), then the
values gathered from the pairs for the same loss. Floor: reading the simplices
once and forward + backward of the gathered values.
"""
from __future__ import annotations

import gudhi
import numpy as np
import torch
import trimesh

from _timing import row, timeit
from topograph import lower_star_persistence
from topograph.core import GraphBatch


def meshes() -> list[trimesh.Trimesh]:
    out = [trimesh.creation.icosphere(subdivisions=4, radius=1.0 + 0.1 * i) for i in range(8)]
    for m, n in [(40, 25), (50, 30), (60, 35), (64, 40), (70, 45), (80, 50), (90, 50), (100, 50)]:
        out.append(trimesh.creation.torus(1.0, 0.4, major_sections=m, minor_sections=n))
    rng = np.random.default_rng(0)
    for m in out:  # generic positions: no ties in the heights
        m.vertices = m.vertices + 1e-3 * rng.standard_normal(m.vertices.shape)
    return out


def _loss(res) -> torch.Tensor:
    """Total finite persistence plus all births (masks by ``where``: no boolean indexing)."""
    out = 0.0
    for d in range(3):
        dg = res.diagram(d)
        out = out + torch.where(dg.essential, 0.0, dg.death - dg.birth).sum() + dg.birth.sum()
    return out


def _gudhi_loop(cases, values: torch.Tensor) -> None:
    vals = values.detach().numpy()
    births, deaths, cols = [], [], []
    for start, n, edges, faces in cases:
        for f in range(vals.shape[1]):
            fv = vals[start:start + n, f]
            st = gudhi.SimplexTree()
            st.insert_batch(np.arange(n)[None], fv)
            st.insert_batch(edges, fv[edges].max(0))
            st.insert_batch(faces, fv[faces].max(0))
            st.compute_persistence(persistence_dim_max=True)
            for b, d in st.persistence_pairs():
                births.append(start + max(b, key=lambda v: fv[v]))
                deaths.append(start + max(d, key=lambda v: fv[v]) if d else -1)
                cols.append(f)
    b = torch.tensor(births)
    d = torch.tensor(deaths)
    c = torch.tensor(cols)
    fin = d >= 0
    loss = (values[d[fin], c[fin]] - values[b[fin], c[fin]]).sum() + values[b, c].sum()
    loss.backward()


def bench_meshes(repeat: int) -> None:
    ms = meshes()
    x = torch.as_tensor(np.concatenate([m.vertices for m in ms]))
    cx = GraphBatch.from_trimesh(ms)
    dirs = torch.randn(3, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    values = (x @ dirs).requires_grad_(True)
    nf = [len(m.faces) for m in ms]
    cases, start = [], 0
    for m in ms:
        e = np.asarray(m.edges_unique).T.copy()
        cases.append((start, len(m.vertices), e, np.asarray(m.faces).T.copy()))
        start += len(m.vertices)

    def ours() -> None:
        _loss(lower_star_persistence(values, cx)).backward()

    def floor() -> None:
        e, f = cx.edge_index, cx.faces
        (values[e].amax(0).sum() + values[f].amax(0).sum() + values.sum()).backward()

    t_ours = timeit(ours, repeat)
    t_ref = timeit(lambda: _gudhi_loop(cases, values), 1, warmup=1)
    t_floor = timeit(floor, repeat)
    name = f"Lower-star dims 0-2, k=8, 16 meshes {min(nf)}-{max(nf)} faces"
    print(row(name, t_ours, t_ref, "gudhi SimplexTree loop (mesh x direction)"))
    print(row("  pairing cost over reading the simplices", t_ours, t_floor,
              "floor: simplex values fwd+bwd (ratio = floor/ours)"))
