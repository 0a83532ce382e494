"""Tiny timing helpers shared by the benchmarks (median of repeats after warm-up)."""
from __future__ import annotations

import statistics
import time
from typing import Callable


def timeit(fn: Callable[[], object], repeat: int = 7, warmup: int = 2, min_time: float = 0.0) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(name: str, ours: float, ref: float | None, ref_name: str = "") -> str:
    ratio = f"{ref / ours:8.1f}x" if ref is not None else "         "
    refs = f"{ref * 1e3:10.2f} ms" if ref is not None else " " * 13
    return f"{name:<48} {ours * 1e3:10.2f} ms {refs} {ratio}  {ref_name}"


HEADER = f"{'case':<48} {'topograph':>13} {'reference':>13} {'ratio':>9}  (ratio > 1: topograph faster)"
