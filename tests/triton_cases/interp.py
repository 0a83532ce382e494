"""Fixture of the Triton cases: they run only in the interpreter subprocess that
``tests/test_triton.py`` starts (``TRITON_INTERPRET=1`` must be set before
Triton is imported, and Triton comes in with torch_geometric)."""
import importlib
import os

import pytest

KERNEL_MODULES = ("topograph.core.kernels.triton_graph", "topograph.core.kernels.triton_rips",
                  "topograph.ect._triton", "topograph.core.kernels.triton_mesh",
                  "topograph.core.kernels.triton_extended")


@pytest.fixture(scope="module", autouse=True)
def interpreted():
    if os.environ.get("TRITON_INTERPRET") != "1":
        pytest.skip("Triton cases run through tests/test_triton.py (interpreter subprocess)")
    return {name: importlib.import_module(name) for name in KERNEL_MODULES}
