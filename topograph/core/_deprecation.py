"""Deprecated names of the public API, kept working for one release.

The project's vocabulary (docs/conventions.md, "Vocabulary") replaced a few
names: ``num_graphs`` -> ``num_samples``, ``check`` -> ``validate``,
``essential`` (the death convention) -> ``essential_death``, ``face`` ->
``faces``, and some arguments became keyword-only. The helpers here keep the
old spellings working with a ``DeprecationWarning`` that names the new one
(every message starts with ``topograph:``, so that
``-W "error:topograph:DeprecationWarning"`` finds stale call sites):

* :func:`renamed_kwargs` maps old keyword names to new ones (``TypeError`` if
  both are given);
* :func:`keyword_only` accepts, with a warning, arguments that are now
  keyword-only but were passed by position;
* :func:`deprecated_alias` is a read-only property forwarding an old attribute
  name to the new one.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Emit the one ``DeprecationWarning`` text used for every renamed name."""
    warnings.warn(f"topograph: `{old}` is deprecated, use `{new}` (the old name will be removed "
                  "in the next release)", DeprecationWarning, stacklevel=stacklevel)


def rename_kwargs(where: str, kwargs: dict[str, Any], renames: dict[str, str]) -> None:
    """Move ``kwargs[old]`` to ``kwargs[new]`` in place, with a warning; both given: ``TypeError``."""
    for old, new in renames.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"{where}() got both `{old}` (deprecated) and `{new}`; "
                                f"pass only `{new}`")
            warn_renamed(old, new, stacklevel=4)
            kwargs[new] = kwargs.pop(old)


def renamed_kwargs(**renames: str) -> Callable[[F], F]:
    """Decorator: accept the old keyword names ``old=new`` of a function, with a warning."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rename_kwargs(fn.__qualname__, kwargs, renames)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


def keyword_only(num_positional: int, names: tuple[str, ...]) -> Callable[[F], F]:
    """Decorator: arguments ``names`` became keyword-only after ``num_positional``
    positional ones (``self`` included for methods). Passing them by position still
    works, in the old order, with a warning naming the keyword to use."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > num_positional:
                extra = args[num_positional:]
                if len(extra) > len(names):
                    raise TypeError(f"{fn.__qualname__}() takes at most "
                                    f"{num_positional + len(names)} positional arguments, "
                                    f"got {len(args)}")
                given = names[:len(extra)]
                for name, value in zip(given, extra):
                    if name in kwargs:
                        raise TypeError(f"{fn.__qualname__}() got multiple values for `{name}`")
                    kwargs[name] = value
                listed = ", ".join(f"`{name}`" for name in given)
                keywords = ", ".join(f"`{name}=`" for name in given)
                warnings.warn(f"topograph: passing {listed} by position is deprecated, use "
                              f"{keywords} (keyword-only from the next release)",
                              DeprecationWarning, stacklevel=2)
                args = args[:num_positional]
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


def deprecated_alias(new: str, old: str) -> property:
    """A read-only property ``old`` that returns ``self.<new>`` with a warning."""

    def getter(self: Any) -> Any:
        warn_renamed(old, new)
        return getattr(self, new)

    return property(getter, doc=f"Deprecated alias of ``{new}``.")
