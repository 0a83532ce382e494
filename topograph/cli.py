"""The ``topograph`` command line: one front door, one subcommand per module.

Each module provides ``topograph/<module>/cli.py`` with ``add_arguments(parser)``
and ``run(args) -> int``; user errors raise :class:`topograph.errors.UserError`
(checkpoint problems its subclass ``CheckpointError``) and are printed as one line
with exit status 2 (never a traceback). Module CLIs never import this file.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from topograph.errors import UserError

__all__ = ["SUBCOMMANDS", "UserError", "build_parser", "main"]

SUBCOMMANDS = {
    "topoae": ("topograph.topoae.cli", "Train a topological autoencoder (or AE / PCA baselines)."),
    "togl": ("topograph.togl.cli", "Graph classification with TOGL and GNN baselines."),
    "ect": ("topograph.ect.cli", "ECT-based shape classification."),
    "demo": ("topograph.demo", "Short run of all three modules on built-in data, with an HTML report."),
}


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
    sys.exit(main())
