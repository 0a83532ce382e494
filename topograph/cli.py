"""The ``topograph`` command line: one front door, one subcommand per module.

Each module provides ``topograph/<module>/cli.py`` with ``add_arguments(parser)``
and ``run(args) -> int``; user errors raise :class:`UserError` and are printed as
one line with exit status 2 (never a traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "topoae": ("topograph.topoae.cli", "Train a topological autoencoder (or AE / PCA baselines)."),
    "togl": ("topograph.togl.cli", "Graph classification with TOGL and GNN baselines."),
    "ect": ("topograph.ect.cli", "ECT-based shape classification."),
    "demo": ("topograph.demo", "Short run of all three modules on built-in data, with an HTML report."),
}


class UserError(Exception):
    """A problem with the user's arguments or files; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="topograph", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in SUBCOMMANDS.items():
        mod = importlib.import_module(module)  # every subcommand ships with the package
        p = sub.add_parser(name, help=help_text, description=help_text,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UserError as err:
        print(f"topograph {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # missing data files, unwritable --out, ...
        print(f"topograph {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    # `python -m topograph.cli`: run the imported module so that modules raising
    # topograph.cli.UserError and this handler share one class.
    from topograph.cli import main as _main

    sys.exit(_main())
