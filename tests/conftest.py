"""Shared test settings: hypothesis profile sized for a 2-core CI machine.

The suite draws the same hypothesis examples on every run (``derandomize``), so a
red CI always points at a change, never at a newly drawn example. To search for
new counterexamples, draw at random and draw more:
``TOPOGRAPH_RANDOM_EXAMPLES=1 TOPOGRAPH_EXAMPLES=3000 python -m pytest -q tests``.
"""
import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=int(os.environ.get("TOPOGRAPH_EXAMPLES", "150")), deadline=None,
    derandomize=os.environ.get("TOPOGRAPH_RANDOM_EXAMPLES", "0") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci")
# Under pytest-xdist (the README's ``-n 2``) the workers are the parallelism: one torch
# thread each, or two workers' thread pools fight over the cores. Tests that need a
# given thread count set it themselves.
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else min(2, torch.get_num_threads()))

BACKENDS = ["numba", "torch"]  # the CPU-runnable values of every public ``backend=`` argument
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """Each backend in turn, passed to the code under test as ``backend=`` (never a module switch)."""
    return request.param


@pytest.fixture(scope="session", params=DEVICES)
def device(request) -> str:
    """``"cpu"``, and ``"cuda"`` where a GPU is present."""
    return request.param


# The longest test files first: under ``-n 2 --dist loadfile`` each file goes whole to
# the next free worker, so a long file collected last (test_triton.py sorts late)
# would keep one worker busy while the other idles. Order only; nothing is skipped.
LONG_FILES = ("test_triton.py", "test_checkpoints.py", "test_ect_transform.py",
              "test_diagrams_distances.py", "test_core_complex.py", "test_distributed.py",
              "test_demo.py", "test_core_extended.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)))
