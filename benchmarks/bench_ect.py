"""Benchmark: topograph.ect vs the dense DECT formula (and exact mode vs numpy).

Baseline = the reference library's formula, re-implemented here: materialise
``sigmoid(scale * (t - h))`` as an ``[R, S, T]`` tensor per simplex dimension and
sum it over each sample (index_add over the batch vector). Both sides run
forward + backward w.r.t. the coordinates, 64 directions x 64 thresholds,
float32, side by side in this one run.

Time: best of ``--repeats`` timed calls after one warm-up call.
Memory: every (method, case, scale) runs in a fresh subprocess; after a warm-up
on a tiny input (numba compilation, allocator set-up) the peak-RSS counter is
reset (``/proc/self/clear_refs``), and the figure is ``VmHWM - VmRSS before the
call``: the peak resident memory added by one forward + backward (inputs, which
both methods share, excluded).

Run:  python benchmarks/bench_ect.py            (about 2-3 minutes on 2 cores)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
import torch

R = T = 64


def dense_ect(x, v, edges, faces, batch, num_samples, scale, radius=1.0):
    """The reference (dect) formula: [R, S, T] sigmoids summed per sample."""
    lin = torch.linspace(-radius, radius, R).view(-1, 1, 1)
    nh = x @ v.T
    ecc = torch.zeros(R, num_samples, T).index_add(1, batch, torch.sigmoid(scale * (lin - nh)))
    if edges is not None:
        eh = nh[edges].max(dim=0)[0]
        ecc = ecc - torch.zeros(R, num_samples, T).index_add(1, batch[edges[0]], torch.sigmoid(scale * (lin - eh)))
    if faces is not None:
        fh = nh[faces].max(dim=0)[0]
        ecc = ecc + torch.zeros(R, num_samples, T).index_add(1, batch[faces[0]], torch.sigmoid(scale * (lin - fh)))
    return ecc.movedim(0, 1)


def make_case(name: str):
    """(x, edges [2, E] u<v, faces [3, F], batch, num_samples) of a benchmark case."""
    import trimesh

    g = torch.Generator().manual_seed(0)
    if name == "clouds":
        x = torch.randn(32 * 1024, 3, generator=g) * 0.35
        return x, None, None, torch.arange(32).repeat_interleave(1024), 32
    if name == "torus":
        m = trimesh.creation.torus(0.65, 0.3, major_sections=100, minor_sections=50)
    elif name == "icosphere":
        m = trimesh.creation.icosphere(subdivisions=5, radius=0.9)
    else:
        raise ValueError(name)
    x = torch.as_tensor(np.asarray(m.vertices), dtype=torch.float32)
    e = torch.as_tensor(np.asarray(m.edges_unique).T.copy())
    f = torch.as_tensor(np.asarray(m.faces).T.copy())
    return x, e, f, torch.zeros(len(x), dtype=torch.long), 1


def _directions():
    v = torch.randn(T, 3, generator=torch.Generator().manual_seed(1))
    return v / v.norm(dim=1, keepdim=True)


def _status(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return -1


def _fwd_bwd(method: str, case, v, scale):
    from topograph.ect import ect

    x, e, f, b, n = case
    x = x.clone().requires_grad_()
    if method == "dense":
        out = dense_ect(x, v, e, f, b, n, scale)
    else:
        out = ect(x, v, edge_index=e, faces=f, batch=b, num_samples=n, resolution=R, scale=scale)
    out.sum().backward()
    return x.grad


def measure(method: str, case_name: str, scale: float, repeats: int) -> dict:
    """Run in a fresh process: peak added RSS of one call, then best-of-``repeats`` time."""
    torch.manual_seed(0)
    v = _directions()
    case = make_case(case_name)
    tiny = (case[0][:64], None, None, torch.zeros(64, dtype=torch.long), 1)
    _fwd_bwd(method, tiny, v, scale)  # warm-up: numba compilation, allocator
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS
        before = _status("VmRSS")
        _fwd_bwd(method, case, v, scale)
        peak = _status("VmHWM") - before
    except OSError:
        peak = -1
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        _fwd_bwd(method, case, v, scale)
        times.append(time.perf_counter() - t0)
    return {"time_s": min(times), "peak_bytes": peak}


def exact_numpy(x, v, e, f, b, n, radius=1.0):
    """Plain numpy exact ECT: heights, searchsorted bins, bincount histogram, cumsum."""
    thr = np.linspace(-radius, radius, R, dtype=np.float32)
    hv = x @ v.T
    hist = np.zeros(n * T * (R + 1))
    cols = np.arange(T)
    for h, bb, sign in ((hv, b, 1.0), (None if e is None else hv[e].max(0), None if e is None else b[e[0]], -1.0),
                        (None if f is None else hv[f].max(0), None if f is None else b[f[0]], 1.0)):
        if h is None:
            continue
        k = np.searchsorted(thr, h, side="left")
        rows = ((bb[:, None] * T + cols) * (R + 1) + k).ravel()
        hist += sign * np.bincount(rows, minlength=hist.size)
    return hist.reshape(n, T, R + 1)[..., :R].cumsum(-1).transpose(0, 2, 1)


def exact_compare(case_name: str, repeats: int) -> dict:
    from topograph.ect import ect

    x, e, f, b, n = make_case(case_name)
    v = _directions()
    xn, vn, en, fn, bn = x.numpy(), v.numpy(), None if e is None else e.numpy(), None if f is None else f.numpy(), b.numpy()
    # Some clouds reach past radius 1; the numpy reference truncates them the same way,
    # so the range warning is switched off here (validate=False) rather than the data changed.
    ours = ect(x, v, edge_index=e, faces=f, batch=b, num_samples=n, resolution=R, validate=False)
    ref = exact_numpy(xn, vn, en, fn, bn, n)
    # float32 heights from numpy's and torch's matmul can round differently at a bin edge
    mismatch = float((np.abs(ours.numpy() - ref) > 0).mean())
    t_ours, t_np = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ect(x, v, edge_index=e, faces=f, batch=b, num_samples=n, resolution=R, validate=False)
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        exact_numpy(xn, vn, en, fn, bn, n)
        t_np.append(time.perf_counter() - t0)
    return {"ours_s": min(t_ours), "numpy_s": min(t_np), "mismatch": mismatch}


CASES = {"clouds": "32 clouds x 1024 pts", "torus": "torus mesh 5k verts", "icosphere": "icosphere 10k verts"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cases", nargs="+", default=list(CASES))
    p.add_argument("--scales", nargs="+", type=float, default=[500.0, 50.0])
    p.add_argument("--threads", type=int, default=None,
                   help="torch and numba threads for both methods (default: torch's default)")
    p.add_argument("--worker", nargs=3, metavar=("METHOD", "CASE", "SCALE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        import numba

        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    if args.worker:
        method, case, scale = args.worker
        print(json.dumps(measure(method, case, float(scale), args.repeats)))
        return
    print(f"fwd+bwd w.r.t. coordinates, {T} directions x {R} thresholds, float32, "
          f"{torch.get_num_threads()} threads; time = best of {args.repeats}; "
          "memory = peak RSS added by one call (fresh process per row)")
    print(f"{'case':22s} {'scale':>6s} {'dense s':>8s} {'ours s':>8s} {'speed-up':>9s} "
          f"{'dense MB':>9s} {'ours MB':>8s} {'mem ratio':>9s}")
    rows = []
    for case in args.cases:
        for scale in args.scales:
            res = {}
            for method in ("dense", "ours"):
                cmd = [sys.executable, __file__, "--repeats", str(args.repeats), "--worker", method, case, str(scale)]
                cmd += ["--threads", str(args.threads)] if args.threads else []
                res[method] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
            d, o = res["dense"], res["ours"]
            row = dict(case=case, scale=scale, dense=d, ours=o, speedup=d["time_s"] / o["time_s"],
                       mem_ratio=d["peak_bytes"] / max(o["peak_bytes"], 1))
            rows.append(row)
            print(f"{CASES[case]:22s} {scale:6.0f} {d['time_s']:8.3f} {o['time_s']:8.3f} {row['speedup']:8.1f}x "
                  f"{d['peak_bytes'] / 2**20:9.0f} {o['peak_bytes'] / 2**20:8.1f} {row['mem_ratio']:8.1f}x", flush=True)
    print("\nexact ECT (no gradient): topograph.ect vs plain numpy (searchsorted + bincount + cumsum)")
    for case in args.cases:
        r = exact_compare(case, args.repeats)
        print(f"{CASES[case]:22s} ours {1e3 * r['ours_s']:7.1f} ms  numpy {1e3 * r['numpy_s']:7.1f} ms  "
              f"numpy/ours = {r['numpy_s'] / r['ours_s']:.1f}x  (entries differing: {100 * r['mismatch']:.3f}%)",
              flush=True)


if __name__ == "__main__":
    main()
