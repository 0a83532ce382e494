"""Numba threading set-up shared by every numba kernel of the project.

Numba's default threading layer here is OpenMP. Its worker threads spin-wait
after a parallel region, next to torch's own OpenMP threads; on a small machine
(2 cores) that slows every torch operation of a training step several times
(measured on TOGL: forward+backward 600 ms instead of 52 ms). The ``workqueue``
layer has no spinning threads. The kernel seam (:mod:`topograph.core.kernels`)
selects it when a numba kernel is first used (not as an import side effect),
unless the user chose a layer with ``NUMBA_THREADING_LAYER``; numba reads the
setting when the first parallel kernel launches. (``workqueue`` must not be
entered from several Python threads at once; data loaders use processes, which
is fine.)
"""
from __future__ import annotations

import os

_DONE = [False]


def configure_threading() -> None:
    """Select the threading layer (once; a no-op if the user set one)."""
    if _DONE[0]:
        return
    _DONE[0] = True
    if "NUMBA_THREADING_LAYER" not in os.environ:
        import numba

        numba.config.THREADING_LAYER = "workqueue"
