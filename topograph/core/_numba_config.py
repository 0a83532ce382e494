"""Numba threading set-up shared by every numba kernel of the project.

Numba's default threading layer here is OpenMP. Its worker threads spin-wait
after a parallel region, next to torch's own OpenMP threads; on a small machine
(2 cores) that slows every torch operation of a training step several times
(measured on TOGL: forward+backward 600 ms instead of 52 ms). The ``workqueue``
layer has no spinning threads. We select it at import, unless the user chose a
layer with ``NUMBA_THREADING_LAYER``, and before any parallel kernel runs.
(``workqueue`` must not be entered from several Python threads at once; data
loaders use processes, which is fine.)
"""
from __future__ import annotations

import os

import numba


def configure_threading() -> None:
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "workqueue"


configure_threading()
