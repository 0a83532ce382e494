"""`topograph demo`: a short run of the core and of all three modules on built-in data.

``cli`` holds the command (arguments, checks, the run loop), ``stages`` the four
stages, ``report`` the self-contained HTML report.
"""
from topograph.demo.cli import add_arguments, run

__all__ = ["add_arguments", "run"]
