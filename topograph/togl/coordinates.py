"""Coordinate functions: learnable maps of one persistence pair to a few numbers.

Each module holds ``n`` functions per filtration and maps pairs ``p = (b, d)`` of
shape ``[M, k, 2]`` (``M`` pairs, ``k`` filtrations) to ``[M, k, n]``; the
parameters of filtration ``f`` only see the pairs of filtration ``f``.

================  ======================================================  =====================
``triangle``      ``relu(d - |t - b|)``                                   t ``[k, n]``
``gaussian``      ``exp(-||p - mu||^2 / (2 sigma^2))``                    mu ``[k, n, 2]``, sigma
``line``          ``w . p + c``                                           w ``[k, n, 2]``, c
``rational_hat``  ``1/(1 + ||p - c||_1) - 1/(1 + ||r| - ||p - c||_1|)``   c ``[k, n, 2]``, r
================  ======================================================  =====================
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["CoordinateFunction", "Triangle", "Gaussian", "Line", "RationalHat",
           "COORDINATE_FUNCTIONS", "make_coordinate_function"]


class CoordinateFunction(nn.Module):
    """Base class: ``forward(pairs [M, k, 2]) -> [M, k, n]``."""

    def __init__(self, num_filtrations: int, num_functions: int) -> None:
        super().__init__()
        if num_filtrations < 1 or num_functions < 1:
            raise ValueError("num_filtrations and num_functions must be >= 1")
        self.num_filtrations = num_filtrations
        self.num_functions = num_functions

    @property
    def out_features(self) -> int:
        """Width of the flattened output ``k * n``."""
        return self.num_filtrations * self.num_functions

    def _check(self, pairs: Tensor) -> None:
        if pairs.dim() != 3 or pairs.size(1) != self.num_filtrations or pairs.size(2) != 2:
            raise ValueError(f"{type(self).__name__} expects pairs [M, {self.num_filtrations},"
                             f" 2], got {list(pairs.shape)}")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_filtrations={self.num_filtrations}, "
                f"num_functions={self.num_functions})")


class Triangle(CoordinateFunction):
    """``relu(d - |t - b|)`` with a learnable position ``t`` per function."""

    def __init__(self, num_filtrations: int, num_functions: int) -> None:
        super().__init__(num_filtrations, num_functions)
        self.t = nn.Parameter(torch.empty(num_filtrations, num_functions))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.uniform_(self.t, 0.0, 1.0)

    def forward(self, pairs: Tensor) -> Tensor:
        self._check(pairs)
        b, d = pairs[..., 0:1], pairs[..., 1:2]
        return torch.relu(d - (self.t - b).abs())


class Gaussian(CoordinateFunction):
    """``exp(-||p - mu||^2 / (2 sigma^2))`` with learnable centre and width."""

    def __init__(self, num_filtrations: int, num_functions: int) -> None:
        super().__init__(num_filtrations, num_functions)
        self.mu = nn.Parameter(torch.empty(num_filtrations, num_functions, 2))
        self.sigma = nn.Parameter(torch.empty(num_filtrations, num_functions))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.uniform_(self.mu, 0.0, 1.0)
        nn.init.constant_(self.sigma, 1.0)

    def forward(self, pairs: Tensor) -> Tensor:
        self._check(pairs)
        sq = (pairs.unsqueeze(2) - self.mu).pow(2).sum(-1)  # [M, k, n]
        return torch.exp(-sq / (2 * self.sigma.pow(2) + 1e-12))


class Line(CoordinateFunction):
    """``w . (b, d) + c``: a learnable linear functional per function."""

    def __init__(self, num_filtrations: int, num_functions: int) -> None:
        super().__init__(num_filtrations, num_functions)
        self.weight = nn.Parameter(torch.empty(num_filtrations, num_functions, 2))
        self.bias = nn.Parameter(torch.empty(num_filtrations, num_functions))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, 0.0, 1.0)
        nn.init.zeros_(self.bias)

    def forward(self, pairs: Tensor) -> Tensor:
        self._check(pairs)
        return (pairs.unsqueeze(2) * self.weight).sum(-1) + self.bias


class RationalHat(CoordinateFunction):
    """``1/(1 + ||p - c||_1) - 1/(1 + ||r| - ||p - c||_1|)`` (Hofer et al.)."""

    def __init__(self, num_filtrations: int, num_functions: int) -> None:
        super().__init__(num_filtrations, num_functions)
        self.c = nn.Parameter(torch.empty(num_filtrations, num_functions, 2))
        self.r = nn.Parameter(torch.empty(num_filtrations, num_functions))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.uniform_(self.c, 0.0, 1.0)
        nn.init.uniform_(self.r, 0.5, 1.5)

    def forward(self, pairs: Tensor) -> Tensor:
        self._check(pairs)
        dist = (pairs.unsqueeze(2) - self.c).abs().sum(-1)  # [M, k, n]
        return 1.0 / (1.0 + dist) - 1.0 / (1.0 + (self.r.abs() - dist).abs())


COORDINATE_FUNCTIONS: dict[str, type[CoordinateFunction]] = {
    "triangle": Triangle,
    "gaussian": Gaussian,
    "line": Line,
    "rational_hat": RationalHat,
}


def make_coordinate_function(name: str, num_filtrations: int,
                             num_functions: int) -> CoordinateFunction:
    """Build a coordinate function by name (see :data:`COORDINATE_FUNCTIONS`)."""
    try:
        cls = COORDINATE_FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"unknown coordinate function {name!r}; choose from "
                         f"{sorted(COORDINATE_FUNCTIONS)}") from None
    return cls(num_filtrations, num_functions)
