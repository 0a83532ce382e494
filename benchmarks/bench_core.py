"""Core persistence benchmark: topograph vs reference libraries, side by side.

Run:  python benchmarks/bench_core.py  (needs the `bench` extra: torch-topological, gudhi)

Everything is forward + backward. Ratios > 1 mean topograph is faster. Machines
here are noisy: compare ratios within one run, not absolute times across runs.
"""
from __future__ import annotations

import argparse

import gudhi
import numba
import numpy as np
import torch
from torch_topological.nn import VietorisRipsComplex

from _bench_meshes import bench_meshes
from _timing import HEADER, row, timeit
from topograph import lower_star_persistence, rips_persistence
from topograph.core import pairwise_distances
from topograph.data.tu import find_tu_folder, read_tu


def _rips_ours(x: torch.Tensor, backend: str = "auto") -> None:
    d = rips_persistence(x, backend=backend).dim0
    d.death[~d.essential].sum().backward()


def _rips_tt(vr: VietorisRipsComplex, x: torch.Tensor) -> None:
    out = vr(x)
    infos = out if isinstance(out[0], list) else [out]
    loss = sum(info[0].diagram[:, 1][torch.isfinite(info[0].diagram[:, 1])].sum() for info in infos)
    loss.backward()


def _floor_dist(x: torch.Tensor) -> None:
    pairwise_distances(x).sum().backward()


def bench_rips(repeat: int) -> None:
    vr = VietorisRipsComplex(dim=0)
    torch.manual_seed(0)
    for n, d in [(256, 101), (1024, 3)]:
        x = torch.randn(n, d, requires_grad=True)
        ours = timeit(lambda: _rips_ours(x), repeat)
        ref = timeit(lambda: _rips_tt(vr, x), repeat)
        floor = timeit(lambda: _floor_dist(x), repeat)
        print(row(f"Rips dim0, 1 cloud {n}x{d}", ours, ref, "torch-topological VR(dim=0)"))
        print(row(f"  pairing cost over distance matrix ({n}x{d})", ours, floor,
                  "floor: distances fwd+bwd (ratio = floor/ours)"))
        torch_path = timeit(lambda: _rips_ours(x, "torch"), max(3, repeat // 2))
        print(row(f"  torch (GPU) backend on CPU ({n}x{d})", torch_path, ours, "numba backend"))
    x = torch.randn(16, 128, 101, requires_grad=True)
    ours = timeit(lambda: _rips_ours(x), repeat)
    loop = timeit(lambda: [_rips_ours(x[i].detach().requires_grad_()) for i in range(16)], repeat)
    ref = timeit(lambda: _rips_tt(vr, x), repeat)
    print(row("Rips dim0, batch 16x128x101", ours, loop, "loop of topograph calls"))
    print(row("Rips dim0, batch 16x128x101", ours, ref, "torch-topological (loops)"))


def _gudhi_loop(graphs, values: torch.Tensor, offsets) -> None:
    """What torch-topological's TOGL does: one SimplexTree per graph and filtration."""
    vals = values.detach().numpy()
    deaths = []
    for g, (start, edges) in enumerate(zip(offsets, graphs)):
        n = graphs[g][1]
        for f in range(vals.shape[1]):
            st = gudhi.SimplexTree()
            fv = vals[start:start + n, f]
            st.insert_batch(torch.arange(n)[None].numpy(), fv)
            e = edges[0]
            st.insert_batch(e, fv[e].max(0))
            st.compute_persistence(persistence_dim_max=True)
            # gather like the original: vertex pairs -> values
            pairs = st.persistence_pairs()
            idx = [(p[0][0], max(p[1], key=lambda v: fv[v]) if p[1] else -1) for p in pairs
                   if len(p[0]) == 1]
            deaths.append((f, start, idx))
    loss = values.new_zeros(())
    for f, start, idx in deaths:
        b = torch.tensor([start + i for i, _ in idx])
        d = torch.tensor([start + j if j >= 0 else start + i for i, j in idx])
        loss = loss + (values[d, f] - values[b, f]).sum()
    loss.backward()


def _gudhi_pairs_only(graphs, vals, offsets) -> int:
    """The issue's reference: per graph and filtration only insert the simplices and
    compute the pairs (``insert_batch``, ``compute_persistence``,
    ``persistence_pairs``); no Python-level gather, values already in numpy."""
    total = 0
    for (e, n), start in zip(graphs, offsets):
        verts = np.arange(n)[None]
        for f in range(vals.shape[1]):
            fv = vals[start:start + n, f]
            st = gudhi.SimplexTree()
            st.insert_batch(verts, fv)
            st.insert_batch(e, fv[e].max(0))
            st.compute_persistence(persistence_dim_max=True)
            total += len(st.persistence_pairs())
    return total


def bench_lower_star(repeat: int) -> None:
    data = read_tu(find_tu_folder("proteins"))[:128]
    from torch_geometric.data import Batch

    b = Batch.from_data_list(data)
    torch.manual_seed(0)
    values = torch.rand(b.num_nodes, 8, requires_grad=True)

    def ours(backend: str = "auto") -> None:
        r = lower_star_persistence(values, b.edge_index, b.batch, num_samples=b.num_graphs,
                                   essential_death="max", backend=backend)
        (r.dim0.death - r.dim0.birth).sum().add(r.dim1.birth.sum()).backward()

    graphs, offsets = [], []
    for d, start in zip(data, b.ptr[:-1].tolist()):
        e = d.edge_index[:, d.edge_index[0] < d.edge_index[1]].numpy()
        graphs.append((e, d.num_nodes))
        offsets.append(start)
    t_ours = timeit(ours, repeat)
    t_ref = timeit(lambda: _gudhi_loop(graphs, values, offsets), max(3, repeat // 2), warmup=1)
    vals = values.detach().numpy()
    t_pairs = timeit(lambda: _gudhi_pairs_only(graphs, vals, offsets), max(3, repeat // 2),
                     warmup=1)
    floor = timeit(lambda: values[b.edge_index].amax(0).sum().backward(), repeat)
    print(row("Lower-star dims 0+1, k=8, 128 PROTEINS graphs", t_ours, t_ref,
              "gudhi SimplexTree loop (insert_batch, pairs, gather)"))
    print(row("Lower-star dims 0+1, k=8, 128 PROTEINS graphs", t_ours, t_pairs,
              "gudhi loop: insert_batch + compute_persistence + persistence_pairs only"))
    print(row("  pairing cost over reading the edge list", t_ours, floor,
              "floor: edge values fwd+bwd (ratio = floor/ours)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and numba threads (default 1: fair and stable on a shared "
                             "2-core machine; 0: leave both at their defaults)")
    parser.add_argument("--only", choices=("rips", "lower-star", "meshes"), default=None,
                        help="run one group of cases only")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    print(f"torch {torch.__version__}, threads: torch {torch.get_num_threads()}, "
          f"numba {numba.get_num_threads()}")
    print(HEADER)
    groups = {"rips": bench_rips, "lower-star": bench_lower_star, "meshes": bench_meshes}
    for name, fn in groups.items():
        if args.only in (None, name):
            fn(args.repeat)


if __name__ == "__main__":
    main()
