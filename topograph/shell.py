"""What every ``topograph`` subcommand shares: the common flags (``--device``,
``--tensorboard``), range checks that fail in one line naming the flag and the
allowed range, and the metrics log of a run.

Module CLIs (``topograph/<module>/cli.py``) import this file and
:mod:`topograph.errors`, never :mod:`topograph.cli`.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import torch

from topograph.devices import resolve_device
from topograph.errors import UserError
from topograph.training.log import MetricsLog, require_tensorboard

__all__ = ["add_device_argument", "add_tensorboard_argument", "check_device", "check_int",
           "check_float", "check_tensorboard", "open_metrics_log", "TENSORBOARD_HELP"]

TENSORBOARD_HELP = ("also write the per-epoch metrics as TensorBoard scalars to DIR "
                    "(needs the tensorboard package; view them with: tensorboard --logdir DIR)")


def add_device_argument(parser: argparse.ArgumentParser, default: str = "cpu") -> None:
    parser.add_argument("--device", default=default,
                        help="torch device: auto, cpu, cuda or cuda:N (default: %(default)s)")


def add_tensorboard_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tensorboard", type=Path, default=None, metavar="DIR", help=TENSORBOARD_HELP)


def flag(name: str) -> str:
    """``"batch_size"`` -> ``"--batch-size"``."""
    return "--" + name.replace("_", "-")


def check_device(args: argparse.Namespace) -> torch.device:
    """Resolves ``args.device`` (``auto`` included) or raises a one-line :class:`UserError`."""
    return resolve_device(args.device, flag="--device")


def check_int(args: argparse.Namespace, name: str, lo: int, hi: int | None = None, *,
              why: str = "") -> None:
    """``args.<name>`` (if not ``None``) must lie in ``[lo, hi]``."""
    v = getattr(args, name)
    if v is None or (v >= lo and (hi is None or v <= hi)):
        return
    allowed = f">= {lo}" if hi is None else f"between {lo} and {hi}"
    raise UserError(f"{flag(name)} must be {allowed}{why}, got {v}")


def check_float(args: argparse.Namespace, name: str, lo: float | None = None, hi: float | None = None,
                *, lo_open: bool = False, hi_open: bool = False) -> None:
    """``args.<name>`` (if not ``None``) must be finite and within the given bounds."""
    v = getattr(args, name)
    if v is None:
        return
    ok = math.isfinite(v)
    ok = ok and (lo is None or (v > lo if lo_open else v >= lo))
    ok = ok and (hi is None or (v < hi if hi_open else v <= hi))
    if ok:
        return
    if lo is not None and hi is not None:
        allowed = f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    elif lo is not None:
        allowed = f"a finite number {'>' if lo_open else '>='} {lo:g}"
    elif hi is not None:
        allowed = f"a finite number {'<' if hi_open else '<='} {hi:g}"
    else:
        allowed = "a finite number"
    raise UserError(f"{flag(name)} must be {allowed}, got {v}")


def check_tensorboard(args: argparse.Namespace) -> None:
    if getattr(args, "tensorboard", None) is not None:
        require_tensorboard("--tensorboard")


def open_metrics_log(jsonl: Path | None, args: argparse.Namespace, *, main: bool = True) -> MetricsLog:
    """The run's :class:`MetricsLog`: JSON lines at ``jsonl`` and TensorBoard at
    ``args.tensorboard`` (only on the main process)."""
    tb: Any = getattr(args, "tensorboard", None)
    return MetricsLog(jsonl, tb, enabled=main)
