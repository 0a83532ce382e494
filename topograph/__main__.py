"""`python -m topograph` runs the command line."""
import sys

from topograph.cli import main

sys.exit(main())
