"""The two error types of the application shell, in a module of their own so that
every layer (training code, data loaders, CLIs) can raise them without importing
the command line.

* :class:`UserError`: a mistake in the user's arguments or files. The ``topograph``
  command prints it as one line (``topograph <cmd>: error: ...``) with exit status 2,
  never a traceback. It is a ``ValueError``, so Python callers can catch it as one.
* :class:`CheckpointError`: a checkpoint file that is missing, truncated, corrupted,
  hand-edited into an invalid state or of another kind. The message names the file
  and what is wrong. Also a ``ValueError`` (and a :class:`UserError`: a bad
  ``--checkpoint`` is the user's file, printed in one line by the CLI).
"""
from __future__ import annotations

__all__ = ["UserError", "CheckpointError"]


class UserError(ValueError):
    """A problem with the user's arguments or files; the CLI prints it without a traceback."""


class CheckpointError(UserError):
    """A checkpoint file is missing, unreadable, corrupted, inconsistent or of the wrong kind."""
