"""One device resolver for every entry point (training code, CLIs, demo).

Accepted spellings: ``"auto"`` (the first CUDA device if there is one, else the
CPU), ``"cpu"``, ``"cuda"`` and ``"cuda:N"``; a ``torch.device`` passes through the
same checks. Asking for a device that this machine does not have is a
:class:`~topograph.errors.UserError` (a ``ValueError``) naming the flag, the value
and what is available, raised before any data is loaded.
"""
from __future__ import annotations

import torch

from topograph.errors import UserError

__all__ = ["resolve_device", "DEVICE_HELP"]

DEVICE_HELP = "torch device: auto, cpu, cuda or cuda:N (default: %(default)s)"


def resolve_device(name: str | torch.device = "auto", *, flag: str = "device") -> torch.device:
    """The ``torch.device`` for ``name``; ``flag`` names the argument in error messages.

    ``"auto"`` means CUDA when available, else CPU. Raises :class:`UserError` for an
    unknown spelling, for CUDA on a machine without it and for ``cuda:N`` past the
    last GPU.
    """
    allowed = "expected auto, cpu, cuda or cuda:N"
    if isinstance(name, torch.device):
        device = name
    elif not isinstance(name, str):
        raise UserError(f"{flag} must be a string or torch.device, got {type(name).__name__}; {allowed}")
    else:
        text = name.strip().lower()
        if text == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(text)
        except (RuntimeError, ValueError):
            raise UserError(f"bad {flag} {name!r}: {allowed}") from None
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"{flag} {str(name)!r} is not supported: {allowed}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UserError(f"{flag} {str(name)!r}: CUDA is not available on this machine "
                            "(use cpu or auto)")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise UserError(f"{flag} {str(name)!r}: only {count} CUDA device(s) present "
                            f"(cuda:0..cuda:{count - 1})")
    return device
