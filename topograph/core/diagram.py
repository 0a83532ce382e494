"""The :class:`Diagram`: the one persistence-diagram type of the project.

A :class:`Diagram` keeps, for every persistence pair, *where* its birth and death
values come from (integer indices from the pairing) and the values themselves,
gathered from the filtration tensor. Autograd therefore reaches exactly the
paired entries. :func:`~topograph.core.lower_star_persistence` (used by TOGL) and
:func:`~topograph.core.rips_persistence` return diagrams. Essential classes are
marked by the boolean mask ``Diagram.essential``; their ``death`` follows the
convention chosen with the ``essential_death`` argument:

* ``"inf"``: ``+inf`` (no gradient);
* ``"max"``: the largest filtration value of the class's sample (and filtration),
  gathered so that it has a gradient, as in the original TOGL;
* a float: a user cap (constant).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import torch
from torch import Tensor

from topograph.core._deprecation import deprecated_alias

Essential = Union[str, float]


def check_essential(essential_death: Essential) -> None:
    """``essential_death`` must be ``"inf"``, ``"max"`` or a (non-NaN) float."""
    if isinstance(essential_death, str):
        if essential_death not in ("inf", "max"):
            raise ValueError(f"essential_death must be 'inf', 'max' or a float, got {essential_death!r}")
    elif isinstance(essential_death, bool) or not isinstance(essential_death, (int, float)):
        raise TypeError(f"essential_death must be 'inf', 'max' or a float, "
                        f"got {type(essential_death).__name__}")
    elif essential_death != essential_death:
        raise ValueError("essential_death must be 'inf', 'max' or a float, got NaN")
    elif essential_death == float("-inf"):
        raise ValueError("essential_death=-inf would make essential classes die before they are "
                         "born; use 'inf', 'max' or a float cap >= every birth")


def check_essential_births(essential_death: Essential, birth: Tensor, essential_mask: Tensor) -> None:
    """A float cap may not precede the birth of an essential class (one reduction)."""
    if isinstance(essential_death, str) or not essential_mask.numel():
        return
    late = torch.where(essential_mask, birth, torch.full_like(birth, float("-inf"))).amax()
    if bool(late > essential_death):
        raise ValueError(f"essential_death={essential_death!r} is below the birth {float(late):.6g} "
                         "of an essential class, which would die before it is born; use a cap "
                         ">= every birth (e.g. the largest filtration value), 'max' or 'inf'")


def apply_essential(death: Tensor, essential_mask: Tensor, essential_death: Essential,
                    sample_max: Tensor | None) -> Tensor:
    """Replaces the deaths of essential rows by the chosen convention.

    ``sample_max`` ``[P, k]`` is the differentiable per-row maximum used for ``"max"``.
    """
    if essential_death == "inf":
        fill = torch.full_like(death, float("inf"))
    elif essential_death == "max":
        assert sample_max is not None
        fill = sample_max
    else:
        fill = torch.full_like(death, float(essential_death))
    return torch.where(essential_mask, fill, death)


@dataclass
class Diagram:
    """Persistence pairs of one homology dimension for a batch of samples.

    Attributes:
        dim: homology dimension.
        birth: ``[P, k]`` birth values (differentiable).
        death: ``[P, k]`` death values; essential rows follow ``essential_death``.
        essential: ``[P, k]`` bool, True for classes that never die.
        batch: ``[P]`` sample (graph / point cloud) id of every row.
        birth_index: ``[P, k]`` index of the entry the birth value was gathered from
            (a vertex for lower-star, a flattened ``i * n + j`` distance entry for Rips).
        death_index: ``[P, k]`` same for deaths, -1 for essential rows.
        num_samples: number of samples in the batch (rows may be absent for some).
        essential_death: ``"inf"``, ``"max"`` or the float cap used for ``death``
            (deprecated alias: ``essential_convention``).
    """

    dim: int
    birth: Tensor
    death: Tensor
    essential: Tensor
    batch: Tensor
    birth_index: Tensor
    death_index: Tensor
    num_samples: int
    essential_death: Essential = "inf"

    essential_convention = deprecated_alias("essential_death", "essential_convention")

    @property
    def num_filtrations(self) -> int:
        return self.birth.shape[1]

    def __len__(self) -> int:
        return self.birth.shape[0]

    def persistence(self) -> Tensor:
        """``death - birth`` per row (``+inf`` for essential rows with the "inf" convention)."""
        return self.death - self.birth

    def counts(self) -> Tensor:
        """``[num_samples]`` number of rows of every sample."""
        return torch.bincount(self.batch, minlength=self.num_samples)

    def as_list(self, filtration: int = 0) -> list[Tensor]:
        """Per sample, a ``[m, 2]`` tensor of (birth, death), death = +inf if essential.

        A convenience for inspection and plotting (it splits on the host).
        """
        if not 0 <= filtration < self.num_filtrations:
            raise IndexError(f"filtration {filtration} out of range [0, {self.num_filtrations})")
        b = self.birth[:, filtration]
        d = torch.where(self.essential[:, filtration], torch.full_like(b, float("inf")),
                        self.death[:, filtration])
        pairs = torch.stack([b, d], dim=1)
        return list(torch.split(pairs, self.counts().tolist()))
