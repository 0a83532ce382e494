"""GPU benchmark: every backend on a CUDA device, against a device round trip and the references.

Run:  python benchmarks/bench_gpu.py [--repeat 7]   (needs a CUDA device; exits otherwise)

Cases (forward + backward unless marked, float32):

* lower-star dims 0 + 1, k = 8, the first 128 PROTEINS graphs (a TOGL batch);
* extended persistence (all four kinds), k = 8, the same graphs;
* Rips dimension 0: 16 clouds of 256 x 101, and one cloud of 1024 x 3;
* ECT (64 directions x 64 thresholds, sigmoid scale 50 and exact): 32 clouds of
  1024 points, and a 10,242-vertex icosphere mesh.
* mesh persistence (dims 0-2, the PHT with 16 directions): 64 tori of 800
  vertices, and the 10,242-vertex icosphere (16 programs only: one per direction).

Rows compare, for CUDA tensors, ``backend="triton"`` with ``backend="numba"``
(the CPU kernels with one device round trip) and the pure torch paths that remain
(Rips Borůvka, the ECT's torch path), then with the CPU kernels on CPU tensors and
the reference libraries (gudhi for lower-star, giotto-ph for Rips, the dense DECT
formula on the GPU for the ECT). Ratios > 1 mean the Triton path is faster. Every
timed call ends with ``torch.cuda.synchronize()``.
"""
from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _timing import HEADER, row, timeit  # noqa: E402

from topograph import lower_star_persistence, rips_persistence  # noqa: E402


def _synced(fn):
    def run():
        fn()
        torch.cuda.synchronize()
    return run


def _report(name: str, times: dict[str, float | None], base: str = "triton") -> None:
    ours = times[base]
    for label, t in times.items():
        if label == base or t is None:
            continue
        print(row(f"{name} [{label}]", ours, t, f"{base} vs {label}"))


def _graph_cases(loss):
    """The first 128 PROTEINS graphs with k = 8 random filtrations, and
    ``case(device, backend)``: a synced forward + backward of ``loss(values,
    edge_index, batch, num_samples, backend)`` (a scalar)."""
    from torch_geometric.data import Batch

    from topograph.data.tu import find_tu_folder, read_tu

    b = Batch.from_data_list(read_tu(find_tu_folder("proteins"))[:128])
    torch.manual_seed(0)
    base = torch.rand(b.num_nodes, 8)

    def case(device: str, backend: str):
        v = base.to(device, copy=True).requires_grad_()  # a copy: base stays a plain tensor on the CPU
        ei, bt = b.edge_index.to(device), b.batch.to(device)
        return _synced(lambda: loss(v, ei, bt, b.num_graphs, backend).backward())
    return b, base, case


def bench_lower_star(repeat: int) -> None:
    def loss(v, ei, bt, num, backend):
        r = lower_star_persistence(v, ei, bt, num_samples=num, essential_death="max", backend=backend)
        return (r.dim0.death - r.dim0.birth).sum().add(r.dim1.birth.sum())

    b, base, case = _graph_cases(loss)
    times = {"triton": timeit(case("cuda", "triton"), repeat),
             "numba round trip": timeit(case("cuda", "numba"), repeat),
             "numba on CPU tensors": timeit(case("cpu", "numba"), repeat),
             "gudhi loop (CPU)": _gudhi_lower_star(b, base, repeat)}
    _report("lower-star k=8, 128 PROTEINS", times)


def bench_extended(repeat: int) -> None:
    from topograph import extended_persistence

    def loss(v, ei, bt, num, backend):
        r = extended_persistence(v, ei, bt, num_samples=num, backend=backend)
        return sum((d.death - d.birth).sum() for d in (r.ordinary0, r.relative1, r.extended0, r.extended1))

    _, _, case = _graph_cases(loss)
    times = {"triton": timeit(case("cuda", "triton"), repeat),
             "numba round trip": timeit(case("cuda", "numba"), repeat),
             "numba on CPU tensors": timeit(case("cpu", "numba"), repeat)}
    _report("extended k=8, 128 PROTEINS", times)


def _gudhi_lower_star(b, values: torch.Tensor, repeat: int) -> float | None:
    try:
        import gudhi
    except ImportError:
        return None
    vals = values.numpy()
    ei = b.edge_index.numpy()
    ptr = b.ptr.numpy()

    def run():
        for g in range(b.num_graphs):
            lo, hi = ptr[g], ptr[g + 1]
            e = ei[:, (ei[0] >= lo) & (ei[0] < hi) & (ei[0] < ei[1])] - lo
            for f in range(vals.shape[1]):
                st = gudhi.SimplexTree()
                fv = vals[lo:hi, f]
                st.insert_batch(np.arange(hi - lo)[None], fv)
                st.insert_batch(e, fv[e].max(0))
                st.compute_persistence(persistence_dim_max=True)
                st.persistence_pairs()
    return timeit(run, max(3, repeat // 2), warmup=1)


def bench_rips(repeat: int) -> None:
    torch.manual_seed(0)
    for shape in [(16, 256, 101), (1, 1024, 3)]:
        base = torch.randn(*shape)

        def case(device: str, backend: str):
            x = base.to(device).requires_grad_()

            def run():
                d = rips_persistence(x, backend=backend).dim0
                d.death[~d.essential].sum().backward()
            return _synced(run)

        times = {"triton": timeit(case("cuda", "triton"), repeat),
                 "numba round trip": timeit(case("cuda", "numba"), repeat),
                 "torch Boruvka (GPU)": timeit(case("cuda", "torch"), repeat),
                 "numba on CPU tensors": timeit(case("cpu", "numba"), repeat),
                 "giotto-ph loop (CPU)": _giotto(base, repeat)}
        _report(f"Rips dim 0, {' x '.join(map(str, shape))}", times)


def _giotto(points: torch.Tensor, repeat: int) -> float | None:
    try:
        from gph import ripser_parallel
    except ImportError:
        return None
    clouds = points.numpy()
    return timeit(lambda: [ripser_parallel(c, maxdim=0) for c in clouds], max(3, repeat // 2), warmup=1)


def bench_ect(repeat: int) -> None:
    from bench_ect import _directions, dense_ect, make_case

    from topograph.ect import ect

    has_backend = "backend" in inspect.signature(ect).parameters
    for name in ("clouds", "icosphere"):
        x0, e0, f0, batch0, num = make_case(name)
        for scale in (50.0, None):
            def case(device: str, backend: str | None, dense: bool = False):
                x = x0.to(device).requires_grad_(scale is not None)
                v = _directions().to(device)
                e = None if e0 is None else e0.to(device)
                f = None if f0 is None else f0.to(device)
                bt = batch0.to(device)

                def run():
                    if dense:
                        img = dense_ect(x, v, e, f, bt, num, scale)  # the DECT formula
                    else:
                        kw = {"backend": backend} if has_backend and backend else {}
                        img = ect(x, v, edge_index=e, faces=f, batch=bt, num_samples=num, resolution=64,
                                  scale=scale, **kw)
                    if scale is not None:
                        img.sum().backward()
                return _synced(run)

            if not has_backend:
                print("ECT: this version of ect() has no backend= argument; timing backend='auto' only")
            times = {"triton": timeit(case("cuda", "triton"), repeat)}
            if has_backend:
                times["numba round trip"] = timeit(case("cuda", "numba"), repeat)
                times["numba on CPU tensors"] = timeit(case("cpu", "numba"), repeat)
            times["dense DECT formula (GPU)"] = timeit(case("cuda", None, dense=True), repeat) \
                if scale is not None else None
            _report(f"ECT {name}, {'exact' if scale is None else f'sigmoid {scale:g}'}", times)


def _mesh_cases() -> dict[str, tuple]:
    """(x [N, 3], faces [3, F], batch, num_samples) of the mesh cases."""
    import trimesh
    from bench_ect import make_case

    torus = trimesh.creation.torus(0.65, 0.3, major_sections=40, minor_sections=20)
    n = len(torus.vertices)
    x = torch.as_tensor(np.asarray(torus.vertices), dtype=torch.float32).repeat(64, 1)
    f = torch.as_tensor(np.asarray(torus.faces).T.copy())
    faces = torch.cat([f + i * n for i in range(64)], 1)
    sphere = make_case("icosphere")
    return {"64 tori of 800 vertices": (x, faces, torch.arange(64).repeat_interleave(n), 64),
            "icosphere of 10,242 vertices": (sphere[0], sphere[2], sphere[3], sphere[4])}


def bench_mesh(repeat: int) -> None:
    from topograph import pht

    dirs = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    for name, (x0, f0, b0, num) in _mesh_cases().items():
        def case(device: str, backend: str):
            x, f, bt, v = x0.to(device).requires_grad_(), f0.to(device), b0.to(device), dirs.to(device)

            def run():
                r = pht(x, v, faces=f, batch=bt, num_samples=num, backend=backend)
                sum(r.diagram(d).birth.sum() for d in range(3)).backward()
            return _synced(run)

        times = {"triton": timeit(case("cuda", "triton"), repeat),
                 "numba round trip": timeit(case("cuda", "numba"), repeat),
                 "numba on CPU tensors": timeit(case("cpu", "numba"), repeat)}
        _report(f"mesh PHT T=16, {name}", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--only", choices=["lower_star", "extended", "rips", "ect", "mesh"], default=None)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench_gpu.py needs a CUDA device: none is visible (torch.cuda.is_available() is False). "
              "CPU figures are in benchmarks/bench_core.py.")
        sys.exit(2)
    try:
        import triton  # noqa: F401
    except ImportError:
        print("bench_gpu.py needs Triton: pip install triton")
        sys.exit(2)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, CPU threads {torch.get_num_threads()}")
    print(HEADER.replace("topograph", "triton   "))
    for name, fn in (("lower_star", bench_lower_star), ("extended", bench_extended), ("rips", bench_rips),
                     ("ect", bench_ect), ("mesh", bench_mesh)):
        if args.only in (None, name):
            fn(args.repeat)


if __name__ == "__main__":
    main()
