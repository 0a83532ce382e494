"""Speed of the TOGL layer on batches of 128 PROTEINS graphs (k = 8 filtrations).

Prints, in one run:

* forward+backward time of ``topograph.nn.TOGL``;
* the same layer with persistence from a per-graph, per-filtration gudhi
  ``SimplexTree`` loop (what torch-topological's TOGL does), and the ratio;
* torch-topological's own TOGL (dimension 0 only) when it is installed (on the
  graphs of the batch it does not crash on, time scaled to the full batch);
* a ``GCNConv`` of the same width on the same batch, and the ratio TOGL / GCN;
* the op-count check: aten dispatches of one TOGL forward for 16 and for 128
  graphs (the same 16 graphs repeated, so per-graph work is identical) and for
  128 distinct graphs; they must not grow with the number of graphs.

Usage: ``python benchmarks/bench_togl.py [--batches 3] [--repeats 5] [--hidden 140] [--threads 1]``
"""
from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch_geometric.data import Batch
from torch_geometric.nn import GCNConv

from topograph.data import TUGraphs
from topograph.nn import TOGL


class GudhiTOGL(TOGL):
    """The same layer, persistence from a Python loop over graphs and filtrations (gudhi)."""

    def _pairs(self, x, edge_index, batch, num_samples):
        import gudhi

        values = self.filtration(x)
        f = values.detach().cpu().numpy()
        n, k = f.shape
        ptr = np.concatenate([[0], np.cumsum(np.bincount(batch.cpu().numpy()))])
        ei = edge_index.cpu().numpy()
        num_graphs = len(ptr) - 1
        death_v = np.zeros((n, k), dtype=np.int64)
        ess = np.zeros((n, k), dtype=bool)
        cyc_v: list[list[int]] = [[] for _ in range(k)]
        cyc_g: list[int] = []
        for g in range(num_graphs):
            lo, hi = ptr[g], ptr[g + 1]
            sel = (ei[0] >= lo) & (ei[0] < hi)
            edges = ei[:, sel]
            edges = edges[:, edges[0] != edges[1]]
            for j in range(k):
                st = gudhi.SimplexTree()
                for v in range(lo, hi):
                    st.insert([int(v)], filtration=float(f[v, j]))
                for u, v in edges.T:
                    st.insert([int(u), int(v)], filtration=float(max(f[u, j], f[v, j])))
                st.compute_persistence(min_persistence=-1.0, persistence_dim_max=True)
                for birth, death in st.persistence_pairs():
                    if len(birth) == 1:
                        v = birth[0]
                        if death:
                            death_v[v, j] = death[0] if f[death[0], j] >= f[death[1], j] \
                                else death[1]
                        else:
                            death_v[v, j], ess[v, j] = v, True
                    else:
                        a, b = birth
                        cyc_v[j].append(a if f[a, j] >= f[b, j] else b)
                        if j == 0:
                            cyc_g.append(g)
        dev = values.device
        batch0 = batch
        gmax = torch.full((num_graphs, k), -float("inf"), dtype=values.dtype, device=dev)
        gmax = gmax.scatter_reduce(0, batch0[:, None].expand(n, k), values, "amax")
        death = values.gather(0, torch.as_tensor(death_v, device=dev))
        ess_t = torch.as_tensor(ess, device=dev)
        death = torch.where(ess_t, gmax[batch0], death)
        p0 = torch.stack([values, death, ess_t.to(values.dtype)], -1)
        # rows of each graph in ascending graph order; within a graph order is irrelevant
        order = np.argsort(np.asarray(cyc_g, dtype=np.int64), kind="stable")
        idx = torch.as_tensor(np.asarray(cyc_v, dtype=np.int64).reshape(k, -1).T[order],
                              device=dev)
        b1 = torch.as_tensor(np.asarray(cyc_g, dtype=np.int64)[order], device=dev)
        birth1 = values.gather(0, idx)
        p1 = torch.stack([birth1, gmax[b1], torch.ones_like(birth1)], -1)
        return p0, batch0, p1, b1, batch0, num_graphs


class CountOps(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.count = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count[str(func)] += 1
        return func(*args, **(kwargs or {}))


def fwd_bwd_time(layer, x, data, repeats: int, extra=None) -> float:
    def step():
        x.grad = None
        if extra is not None:
            out = layer(x, data)
        elif isinstance(layer, GCNConv):
            out = layer(x, data.edge_index)
        else:
            out = layer(x, data.edge_index, data.batch, num_samples=data.num_graphs)
        out.square().mean().backward()

    step()  # warm-up (numba compile, allocator)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return min(times)  # least disturbed run (the CPU may be shared)


def time_torch_topological(tt, graphs, hidden: int, dev) -> float:
    """Time of torch-topological's TOGL, scaled to the whole batch.

    It raises IndexError on graphs whose dim-0 diagram has no pair of positive
    persistence (gudhi then returns no regular generators); those graphs are
    dropped and the time is scaled by ``len(graphs) / len(kept)``.
    """
    feats = [torch.randn(g.num_nodes, hidden, device=dev) for g in graphs]
    kept, kept_x = [], []
    with torch.no_grad():
        for g, xg in zip(graphs, feats):
            try:
                tt(xg, Batch.from_data_list([g]).to(dev))
                kept.append(g)
                kept_x.append(xg)
            except IndexError:
                pass
    data = Batch.from_data_list(kept).to(dev)
    x = torch.cat(kept_x).requires_grad_(True)
    t = fwd_bwd_time(tt, x, data, 1, extra=True)
    print(f"  torch-topological TOGL: {len(graphs) - len(kept)} of {len(graphs)} graphs "
          f"crash it (IndexError), timed on the other {len(kept)}")
    return t * len(graphs) / max(len(kept), 1)


def count_ops(layer: TOGL, data: Batch, hidden: int) -> int:
    x = torch.randn(data.num_nodes, hidden, requires_grad=True)
    with CountOps() as c:
        layer(x, data.edge_index, data.batch, num_samples=data.num_graphs).sum().backward()
    return sum(c.count.values())


def _shim_torch_scatter() -> None:
    """torch-topological imports ``torch_scatter.scatter``; PyG's ``scatter`` is equivalent."""
    import importlib.util
    import sys
    import types

    if importlib.util.find_spec("torch_scatter") is None:
        from torch_geometric.utils import scatter

        mod = types.ModuleType("torch_scatter")
        mod.scatter = scatter
        sys.modules["torch_scatter"] = mod
        print("(torch_scatter not installed: torch-topological uses PyG's scatter instead)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--hidden", type=int, default=140)
    p.add_argument("--device", default="cpu")
    p.add_argument("--skip-gudhi", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = p.parse_args()  # numba threading: see topograph/core/_numba_config.py
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    ds = TUGraphs("proteins")
    H = args.hidden
    layer = TOGL(H, H, num_filtrations=8).to(dev)
    ref = GudhiTOGL(H, H, num_filtrations=8).to(dev)
    ref.load_state_dict(layer.state_dict())
    gcn = GCNConv(H, H).to(dev)
    tt = None
    try:
        _shim_torch_scatter()
        from torch_topological.nn.graphs import TOGL as TTTOGL

        tt = TTTOGL(H, 8, 32, H, aggregation_fn="sum").to(dev)
    except Exception as err:  # pragma: no cover - optional dependency
        print(f"(torch-topological TOGL not available: {err})")
    import numba

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}, "
          f"hidden {H}, k = 8, numba threading layer setting "
          f"{numba.config.THREADING_LAYER!r}")
    rows = []
    for b in range(args.batches):
        graphs = [ds[i] for i in range(b * args.batch_size, (b + 1) * args.batch_size)]
        data = Batch.from_data_list(graphs).to(dev)
        x = torch.randn(data.num_nodes, H, device=dev, requires_grad=True)
        ref.load_state_dict(layer.state_dict())  # same weights and batch-norm statistics
        layer.eval(), ref.eval()
        with torch.no_grad():
            diff = (layer(x, data.edge_index, data.batch)
                    - ref(x, data.edge_index, data.batch)).abs().max().item()
        layer.train(), ref.train()
        t_togl = fwd_bwd_time(layer, x, data, args.repeats)
        t_gcn = fwd_bwd_time(gcn, x, data, args.repeats)
        t_ref = float("nan") if args.skip_gudhi else fwd_bwd_time(ref, x, data, 1)
        t_tt = float("nan")
        if tt is not None and not args.skip_gudhi:
            t_tt = time_torch_topological(tt, graphs, H, dev)
        rows.append((t_togl, t_ref, t_tt, t_gcn))
        print(f"batch {b}: {data.num_graphs} graphs, {data.num_nodes} nodes, "
              f"{data.num_edges} edge entries; max |TOGL - gudhi loop| = {diff:.1e}")
        print(f"  TOGL {t_togl * 1e3:8.1f} ms | gudhi loop {t_ref * 1e3:8.1f} ms "
              f"(x{t_ref / t_togl:.1f}) | torch-topological TOGL {t_tt * 1e3:8.1f} ms "
              f"(x{t_tt / t_togl:.1f}) | GCNConv {t_gcn * 1e3:6.1f} ms "
              f"(TOGL/GCN {t_togl / t_gcn:.1f})")
    m = np.median(np.array(rows), axis=0)
    print(f"median over batches: TOGL {m[0] * 1e3:.1f} ms fwd+bwd; speed-up vs per-graph "
          f"gudhi loop x{m[1] / m[0]:.1f}; vs torch-topological x{m[2] / m[0]:.1f}; "
          f"TOGL / GCNConv = {m[0] / m[3]:.1f}")

    # op-count check: dispatches must not depend on the number of graphs
    small = [ds[i] for i in range(16)]
    for backend in ("auto",):  # the torch lock-step backend was removed (docs/gpu.md)
        lay = TOGL(H, H, num_filtrations=8, backend=backend)
        n16 = count_ops(lay, Batch.from_data_list(small), H)
        n128 = count_ops(lay, Batch.from_data_list(small * 8), H)
        n128d = count_ops(lay, Batch.from_data_list([ds[i] for i in range(128)]), H)
        verdict = "independent of the number of graphs" if n16 == n128 else "DEPENDS on it"
        if n128d != n128:
            verdict += "; grows with the largest graph's edge count"
        print(f"op count (backend {backend}, forward+backward): 16 graphs {n16}, "
              f"128 graphs (same 16 x 8) {n128}, 128 distinct graphs {n128d} -> {verdict}")


if __name__ == "__main__":
    main()
