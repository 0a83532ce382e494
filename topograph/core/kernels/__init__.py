"""The kernel seam: which compiled kernels run, and how they are set up.

Every sequential loop of the library (union-find, Prim, the ECT's per-simplex
passes) exists as a numba kernel (CPU) and, for CUDA tensors, as a Triton kernel.
This module is the one place that decides between them:

* :func:`resolve` maps the public ``backend=`` argument (``"auto" | "numba" |
  "triton"``, plus ``"torch"`` where a pure-torch path still exists) and the
  tensors' device to the kernels that run. ``"auto"`` is numba for CPU tensors and
  Triton for CUDA tensors when Triton is importable; otherwise (a CUDA tensor
  without Triton, or another accelerator) the numba kernels run on a host copy:
  one device round trip per call, never a loop whose step count grows with the
  input.
* :func:`numba_pairing` loads the core's numba kernels after setting numba's
  threading layer (done at first use, not at import; see
  :mod:`topograph.core._numba_config`).
* :func:`use_parallel` is the serial / parallel decision of the numba drivers.
* :func:`refresh_numba_cache` keeps the on-disk cache of kernels that compile in
  another file's kernels (numba keys a cache entry on the defining file only);
  :func:`numba_ready` runs it once per process at such kernels' first use, after
  the threading layer.
* :func:`kernel_float` widens half-precision inputs to a dtype every kernel takes.
* :func:`triton_kernels` imports a Triton kernel module, with a clear message when
  Triton is missing (``pip install triton``, Linux) or cannot run (CPU tensors need
  ``TRITON_INTERPRET=1``, the interpreter used by the tests).
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import torch
from torch import Tensor

BACKENDS = ("auto", "numba", "triton")

# Waking numba's thread pool costs tens of microseconds (milliseconds on a loaded
# machine): only worth it for enough work.
PARALLEL_MIN_WORK = 1 << 20


def use_parallel(batch: int, work_per_item: int) -> bool:
    """Whether a numba driver runs its ``batch`` independent problems on threads."""
    return batch > 1 and batch * work_per_item >= PARALLEL_MIN_WORK


def triton_available() -> bool:
    """Whether ``import triton`` works (CUDA builds of torch bring it on Linux)."""
    try:
        importlib.import_module("triton")
    except ImportError:
        return False
    return True


def triton_interpreted() -> bool:
    """Whether Triton runs kernels through its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def resolve(backend: str, device: torch.device, extra: tuple[str, ...] = ()) -> str:
    """The kernels that run for ``backend`` on tensors of ``device``.

    Returns ``"numba"`` (CPU kernels; the caller copies non-CPU tensors to the host
    and back), ``"triton"``, or one of ``extra`` (e.g. ``"torch"`` where that path
    exists). Raises ``ValueError`` for an unknown name or for Triton on CPU tensors
    outside the interpreter, ``ImportError`` when Triton is asked for and missing.
    """
    names = BACKENDS + tuple(extra)
    if backend == "torch" and "torch" not in extra:
        raise ValueError("backend='torch' no longer exists for this function (the lock-step union-find "
                         "was far slower than a device round trip); use 'auto', 'numba' or 'triton'")
    if backend not in names:
        raise ValueError(f"backend={backend!r} is unknown; use one of {', '.join(map(repr, names))}")
    if backend == "auto":
        if device.type == "cuda" and triton_available():
            return "triton"
        return "numba"
    if backend == "triton":
        require_triton(device)
    return backend


def require_triton(device: torch.device | None = None) -> None:
    """Raise a clear error unless Triton kernels can run on ``device``."""
    if not triton_available():
        raise ImportError("backend='triton' needs Triton: pip install triton (Linux; CUDA builds "
                          "of torch include it), or use backend='auto' / 'numba'")
    if device is not None and device.type != "cuda" and not triton_interpreted():
        raise ValueError(f"backend='triton' runs on CUDA tensors, got tensors on {device}; move them "
                         "to the GPU, use backend='numba' on the CPU, or set TRITON_INTERPRET=1 before "
                         "the first call to run the kernels through Triton's (slow) CPU interpreter")


def triton_kernels(name: str) -> ModuleType:
    """Import a Triton kernel module: ``"graph"`` / ``"rips"`` / ``"mesh"`` of the core, or a
    dotted module path of a feature (``"topograph.ect._triton"``)."""
    require_triton()
    return importlib.import_module(name if "." in name else f"topograph.core.kernels.triton_{name}")


def kernel_float(t: Tensor) -> Tensor:
    """``t`` in a dtype every kernel takes: float16 / bfloat16 widened to float32 (exact
    and order-preserving, so a pairing is that of the original values)."""
    return t if t.dtype in (torch.float32, torch.float64) else t.float()


def numba_pairing() -> ModuleType:
    """The core's numba pairing kernels, with numba's threading layer set first."""
    configure_numba()
    return importlib.import_module("topograph.core.pairing._kernels")


def configure_numba() -> None:
    """Select numba's threading layer once, before the first parallel kernel."""
    from topograph.core import _numba_config

    _numba_config.configure_threading()


_NUMBA_READY: set[str] = set()


def numba_ready(kernels: tuple, depends_on: ModuleType, tag: str) -> None:
    """Call before the first use of numba ``kernels`` that compile in the kernels of
    another file (``depends_on``): sets numba's threading layer and, once per process
    and ``tag``, runs :func:`refresh_numba_cache`. Nothing happens at import."""
    configure_numba()
    if tag not in _NUMBA_READY:
        refresh_numba_cache(kernels, depends_on, tag)
        _NUMBA_READY.add(tag)


def refresh_numba_cache(kernels: tuple, depends_on: ModuleType, tag: str) -> bool:
    """Flush the disk cache of ``kernels`` (numba dispatchers) when ``depends_on``'s
    source changed since they were cached.

    numba keys a cache entry on the defining file alone; a kernel that compiles in
    another file's kernels (the TopoAE fused loss calls the core's Prim) would
    otherwise run the old code after an edit of that file (or a branch switch in an
    editable install). A stamp of the file (``tag``) next to numba's cache detects
    this. Returns whether it flushed; never raises (no cache, read-only install).
    """
    try:
        st = Path(depends_on.__file__).stat()
        stamp = f"{st.st_mtime_ns}:{st.st_size}"
        marker = Path(kernels[0]._cache.cache_path) / f"{tag}.core-stamp"
        if marker.exists() and marker.read_text() == stamp:
            return False
        for fn in kernels:
            fn._cache.flush()
        marker.write_text(stamp)
        return True
    except Exception:  # pragma: no cover - best effort
        return False
