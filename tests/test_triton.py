"""The Triton kernels (the GPU path) on every CI run, without a GPU.

Triton's interpreter (``TRITON_INTERPRET=1``) runs the same kernels on CPU
tensors. It must be switched on before Triton is first imported (torch_geometric
imports it), so the cases in ``tests/triton_cases/`` run in one subprocess with
the variable set; the rest of the suite never sees it. Skips when Triton is not
installed (a test extra on Linux: CPU builds of torch do not bring it).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_triton_kernels_in_the_interpreter():
    pytest.importorskip("triton", reason="Triton is not installed (pip install triton, Linux only)")
    env = dict(os.environ, TRITON_INTERPRET="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "python_files=cases_*.py",
           str(HERE / "triton_cases")]
    res = subprocess.run(cmd, env=env, cwd=HERE.parent, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    assert " passed" in res.stdout and " failed" not in res.stdout, res.stdout[-3000:]
