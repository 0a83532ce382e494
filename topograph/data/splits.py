"""Seeded train / validation / test index splits shared by the array data sets."""
from __future__ import annotations

import numpy as np


def split_indices(
    n: int, seed: int = 42, test_fraction: float = 0.1, val_fraction: float = 0.15
) -> dict[str, np.ndarray]:
    """Split ``range(n)`` into ``train`` / ``validation`` / ``test`` index arrays.

    First ``test_fraction`` of a seeded permutation becomes the test set; then
    ``val_fraction`` of the remaining (training) part is held out as validation.
    ``train_full`` is train + validation (the statistics used for z-scoring).
    """
    if not 0.0 < test_fraction < 1.0 or not 0.0 <= val_fraction < 1.0:
        raise ValueError("test_fraction must be in (0, 1) and val_fraction in [0, 1)")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_test = int(round(n * test_fraction))
    test, train_full = perm[:n_test], perm[n_test:]
    n_val = int(round(len(train_full) * val_fraction))
    return {
        "train_full": np.sort(train_full),
        "train": np.sort(train_full[n_val:]),
        "validation": np.sort(train_full[:n_val]),
        "test": np.sort(test),
    }


SPLITS = ("train", "validation", "test", "train_full", "all")
