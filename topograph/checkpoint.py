"""Checkpoints written by the ``topograph`` command line (and loadable from Python).

A checkpoint is a ``torch.save`` file holding only plain data (tensors, numbers,
strings, lists and dicts), so it loads with ``torch.load(weights_only=True)``:
no code from the file is ever run. Its fields:

* ``format``: ``"topograph-checkpoint"`` and ``version``: :data:`FORMAT_VERSION`;
* ``kind``: what wrote it (``"topoae"``, ``"ect"``, ...), checked on load;
* ``state_dict``: the model's tensors (on the CPU);
* ``config``: everything needed to rebuild the model (plain values);
* any extra fields the writer passed (e.g. the ECT directions, class names).

Every problem with a file (missing, truncated, corrupted, not a topograph
checkpoint, of another kind, written by a newer format) raises
:class:`CheckpointError`, a ``ValueError`` whose message names the file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import torch

__all__ = ["FORMAT", "FORMAT_VERSION", "CheckpointError", "save_checkpoint", "load_checkpoint"]

FORMAT = "topograph-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable, corrupted or of the wrong kind."""


def _plain(value: Any) -> Any:
    """Converts paths / tuples / numpy scalars to the plain types ``weights_only`` accepts."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, os.PathLike):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value


def save_checkpoint(path: str | os.PathLike, *, kind: str, state_dict: Mapping[str, torch.Tensor],
                    config: Mapping[str, Any], **extra: Any) -> Path:
    """Writes a checkpoint atomically (a temporary file, then a rename) and returns its path."""
    from topograph import __version__

    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    reserved = {"format", "version", "kind", "state_dict", "config", "topograph_version"} & set(extra)
    if reserved:
        raise ValueError(f"extra fields may not be named {sorted(reserved)}")
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "topograph_version": __version__,
        "kind": kind,
        "state_dict": {str(k): v.detach().cpu() for k, v in state_dict.items()},
        "config": _plain(dict(config)),
        **{k: _plain(v) for k, v in extra.items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | os.PathLike, kind: str | None = None,
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Reads a checkpoint written by :func:`save_checkpoint` (safely: ``weights_only=True``).

    Args:
        path: the file.
        kind: if given, the checkpoint must have been written for this kind.
        map_location: where the tensors are loaded (default CPU).

    Raises:
        CheckpointError: missing, truncated or corrupted file, not a topograph
            checkpoint, a newer format version, or another ``kind``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # zip / pickle / unpickling-policy errors of many types
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupted?): "
                              f"{reason}") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a topograph checkpoint (no '{FORMAT}' header)")
    version = obj.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(f"{path} has checkpoint format version {version!r}; this topograph "
                              f"reads versions 1..{FORMAT_VERSION}")
    if kind is not None and obj.get("kind") != kind:
        raise CheckpointError(f"{path} is a {obj.get('kind')!r} checkpoint, expected {kind!r}")
    state, config = obj.get("state_dict"), obj.get("config")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: 'state_dict' is missing or holds non-tensor values")
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: 'config' is missing")
    return obj
