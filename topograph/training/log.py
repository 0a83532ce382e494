"""Per-epoch metrics: JSON lines (always, when a path is given) and TensorBoard.

Each call of :meth:`MetricsLog.write` appends one line such as
``{"epoch": 3, "fold": 1, "train_loss": 0.41, "val_loss": 0.45}`` to the JSON-lines
file, and, with a TensorBoard folder, one scalar per metric (tag ``fold1/val_loss``
for context fields, plain ``val_loss`` otherwise) at step ``epoch``. View them with

    tensorboard --logdir DIR

(``pip install tensorboard`` if it is missing). Only the main process of a
``torchrun`` job writes.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

from topograph.errors import UserError

__all__ = ["MetricsLog", "require_tensorboard"]


def require_tensorboard(flag: str = "--tensorboard") -> None:
    """Raises :class:`UserError` with the install command when TensorBoard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        raise UserError(f"{flag} needs the 'tensorboard' package, which is not installed: "
                        "pip install tensorboard (or drop the flag; metrics are also written as "
                        "JSON lines)") from None


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN / inf
    return value


class MetricsLog:
    """Writes per-epoch metrics as JSON lines and, optionally, TensorBoard scalars.

    Args:
        jsonl: the JSON-lines file (truncated when the log is opened), or ``None``.
        tensorboard: a TensorBoard log folder, or ``None``.
        enabled: ``False`` makes every call a no-op (non-main ranks).
    """

    def __init__(self, jsonl: str | os.PathLike | None = None,
                 tensorboard: str | os.PathLike | None = None, *, enabled: bool = True) -> None:
        self.jsonl = Path(jsonl) if jsonl is not None and enabled else None
        self._file = None
        self._writer = None
        if self.jsonl is not None:
            self.jsonl.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.jsonl.open("w", encoding="utf-8")
        if tensorboard is not None and enabled:
            require_tensorboard()
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(tensorboard))

    def write(self, epoch: int, metrics: Mapping[str, float], **context: Any) -> None:
        """One epoch's metrics; ``context`` (e.g. ``fold=2``) is stored with them."""
        if self._file is not None:
            line = {"epoch": epoch, **context, **{k: _plain(float(v)) for k, v in metrics.items()}}
            self._file.write(json.dumps(line) + "\n")
            self._file.flush()
        if self._writer is not None:
            prefix = "".join(f"{k}{v}/" for k, v in context.items())
            for k, v in metrics.items():
                self._writer.add_scalar(prefix + k, float(v), epoch)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> "MetricsLog":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
