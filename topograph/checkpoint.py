"""Checkpoints written by the ``topograph`` command line (and loadable from Python).

A checkpoint is a ``torch.save`` file (a zip archive) holding only plain data
(tensors, numbers, strings, lists and dicts), so it loads with
``torch.load(weights_only=True)``: no code from the file is ever run. Its fields:

* ``format``: ``"topograph-checkpoint"`` and ``version``: :data:`FORMAT_VERSION`;
* ``kind``: what wrote it (``"topoae"``, ``"ect"``, ...), checked on load;
* ``state_dict``: the model's tensors (on the CPU);
* ``config``: everything needed to rebuild the model (plain values);
* ``checksum``: SHA-256 of everything else (tensor bytes, dtypes, shapes, config,
  extra fields), written at save time and verified on load;
* any extra fields the writer passed (e.g. the ECT directions, class names).

Integrity is checked in three layers, so that no corruption loads silently:

1. the zip archive's own CRC-32 of every member (bit flips anywhere in the data or
   the pickled metadata; truncation);
2. the content checksum (anything that changed the tensors or the config after
   saving, even where the archive was rewritten with fresh CRCs);
3. the reader's schema: :func:`check_config` (types and ranges of the config
   fields) and :func:`check_tensor` (shapes, dtypes, finite values), used by each
   module's ``load_model``.

Every problem (missing, truncated, corrupted, not a topograph checkpoint, of
another kind, a newer format, a config or tensor that does not fit) raises
:class:`~topograph.errors.CheckpointError`, a ``ValueError`` whose message names
the file and what is wrong.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from topograph.errors import CheckpointError

__all__ = ["FORMAT", "FORMAT_VERSION", "CheckpointError", "save_checkpoint", "load_checkpoint",
           "check_config", "check_tensor", "content_checksum"]

FORMAT = "topograph-checkpoint"
FORMAT_VERSION = 2  # 2: content checksum; version-1 files are still read (zip CRCs only)
_RESERVED = {"format", "version", "kind", "state_dict", "config", "topograph_version", "checksum"}


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


def _feed(h: "hashlib._Hash", value: Any) -> None:
    """Feeds a canonical encoding of ``value`` (plain data and tensors) into ``h``."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().reshape(-1).contiguous()
        h.update(f"T{t.dtype}{tuple(value.shape)}".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(value, dict):
        h.update(b"D%d" % len(value))
        for k in sorted(value, key=str):
            h.update(b"K" + str(k).encode() + b"\0")
            _feed(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(b"L%d" % len(value))
        for v in value:
            _feed(h, v)
    else:  # str, int, float, bool, None: repr is exact and type-tagged enough
        h.update(b"S" + f"{type(value).__name__}:{value!r}".encode() + b"\0")


def content_checksum(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of every field of a checkpoint payload except ``checksum`` itself."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in payload.items() if k != "checksum"})
    return h.hexdigest()


def save_checkpoint(path: str | os.PathLike, *, kind: str, state_dict: Mapping[str, torch.Tensor],
                    config: Mapping[str, Any], **extra: Any) -> Path:
    """Writes a checkpoint atomically (a temporary file, then a rename) and returns its path.

    The content checksum (see :func:`content_checksum`) is computed here and
    verified by :func:`load_checkpoint`.
    """
    from topograph import __version__

    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    reserved = _RESERVED & set(extra)
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
    payload["checksum"] = content_checksum(payload)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _verify_archive(path: Path) -> None:
    """Checks the zip structure and the CRC-32 of every member (torch.load does not)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except Exception as err:  # BadZipFile, struct / zlib / OSError / EOFError from a mangled directory
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupted?): "
                              f"{_first_line(err)}") from None
    if bad is not None:
        raise CheckpointError(f"{path} is corrupted: the archive member {bad!r} fails its CRC check "
                              "(bit flips or an interrupted copy); restore the file from a good copy")


def load_checkpoint(path: str | os.PathLike, kind: str | None = None,
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Reads a checkpoint written by :func:`save_checkpoint` (safely: ``weights_only=True``).

    Verifies the archive's CRCs and the content checksum before returning.

    Args:
        path: the file.
        kind: if given, the checkpoint must have been written for this kind.
        map_location: where the tensors are loaded (default CPU).

    Raises:
        CheckpointError: missing, truncated or corrupted file, not a topograph
            checkpoint, a newer format version, another ``kind``, or content that
            does not match its checksum.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    _verify_archive(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # zip / pickle / unpickling-policy errors of many types
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupted?): "
                              f"{_first_line(err)}") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a topograph checkpoint (no '{FORMAT}' header)")
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {version!r}; this topograph "
                              f"reads versions 1..{FORMAT_VERSION}")
    if version >= 2:
        stored = obj.get("checksum")
        if not isinstance(stored, str):
            raise CheckpointError(f"{path}: the content checksum is missing (format version {version} "
                                  "writes one); the file was edited or damaged")
        if content_checksum(obj) != stored:
            raise CheckpointError(f"{path}: content does not match its checksum (the tensors or the "
                                  "config were changed after saving); restore the file from a good copy")
    if kind is not None and obj.get("kind") != kind:
        raise CheckpointError(f"{path} is a {obj.get('kind')!r} checkpoint, expected {kind!r}")
    state, config = obj.get("state_dict"), obj.get("config")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: 'state_dict' is missing or holds non-tensor values")
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: 'config' is missing")
    for name, t in state.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(f"{path}: tensor {name!r} holds NaN or inf values")
    if str(map_location) != "cpu":
        obj["state_dict"] = {k: v.to(map_location) for k, v in state.items()}
    return obj


# --------------------------------------------------------------------------- schema checks
Check = Callable[[Any], bool]


def check_config(path: str | os.PathLike, config: Mapping[str, Any],
                 schema: Mapping[str, tuple[Check, str]], *, allow_extra: bool = True) -> None:
    """Checks each field of a checkpoint's ``config`` against ``schema``.

    ``schema`` maps a field name to ``(predicate, description)``; a missing field or
    one whose value fails the predicate raises :class:`CheckpointError` naming the
    file, the field, its value and the description (e.g. ``"an integer >= 1"``).
    Fields absent from ``schema`` are an error unless ``allow_extra``.
    """
    for key, (ok, what) in schema.items():
        if key not in config:
            raise CheckpointError(f"{path}: config field {key!r} is missing (expected {what})")
        value = config[key]
        try:
            good = bool(ok(value))
        except Exception:  # a predicate applied to a value of a surprising type
            good = False
        if not good:
            raise CheckpointError(f"{path}: config field {key!r} is {value!r}, expected {what}")
    if not allow_extra:
        extra = sorted(set(config) - set(schema))
        if extra:
            raise CheckpointError(f"{path}: unknown config field(s) {extra}")


def check_tensor(path: str | os.PathLike, name: str, value: Any, shape: tuple[int | None, ...],
                 *, floating: bool = True) -> torch.Tensor:
    """``value`` must be a finite tensor of ``shape`` (``None`` = any size on that axis)."""
    if not isinstance(value, torch.Tensor):
        raise CheckpointError(f"{path}: {name!r} must be a tensor, got {type(value).__name__}")
    want = "[" + ", ".join("*" if s is None else str(s) for s in shape) + "]"
    if value.dim() != len(shape) or any(s is not None and s != n for s, n in zip(shape, value.shape)):
        raise CheckpointError(f"{path}: {name!r} has shape {list(value.shape)}, expected {want}")
    if floating and not value.is_floating_point():
        raise CheckpointError(f"{path}: {name!r} has dtype {value.dtype}, expected a floating dtype")
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise CheckpointError(f"{path}: {name!r} holds NaN or inf values")
    return value


# Predicates for schemas.
def is_int(lo: int | None = None) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and (lo is None or v >= lo)


def is_number(lo: float | None = None, *, positive: bool = False) -> Check:
    import math

    def ok(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return False
        return (lo is None or v >= lo) and (not positive or v > 0)
    return ok


def is_choice(*values: Any) -> Check:
    return lambda v: v in values


def is_str() -> Check:
    return lambda v: isinstance(v, str)


def optional(check: Check) -> Check:
    return lambda v: v is None or check(v)
