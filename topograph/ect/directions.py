"""Direction sets for the ECT: rows ``[T, d]`` of unit vectors.

Random (seeded), evenly spaced on the circle, structured on the 2-sphere, and a
learnable module that keeps its directions on the sphere.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["random_directions", "circle_directions", "sphere_directions", "LearnableDirections"]


def _check_count(num: int, name: str = "num") -> None:
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"{name} must be a positive int, got {num!r}")


def random_directions(
    num: int,
    dim: int = 3,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    device=None,
    dtype=None,
) -> Tensor:
    """``num`` directions uniform on the unit sphere in ``R^dim`` (normalised Gaussians).

    Reproducible with ``seed`` (or pass your own CPU ``generator``).
    """
    _check_count(num)
    _check_count(dim, "dim")
    if generator is None:
        generator = torch.Generator()
        generator.manual_seed(0 if seed is None else int(seed))
    v = torch.randn(num, dim, generator=generator, dtype=torch.float64)
    v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return v.to(device=device, dtype=dtype or torch.get_default_dtype())


def circle_directions(num: int, *, offset: float = 0.0, device=None, dtype=None) -> Tensor:
    """``num`` directions evenly spaced on the unit circle, angles ``offset + 2 pi i / num``.

    The first direction is not repeated at the end.
    """
    _check_count(num)
    ang = offset + 2 * math.pi * torch.arange(num, dtype=torch.float64) / num
    v = torch.stack([torch.cos(ang), torch.sin(ang)], dim=1)
    return v.to(device=device, dtype=dtype or torch.get_default_dtype())


def sphere_directions(num: int, *, kind: str = "fibonacci", device=None, dtype=None) -> Tensor:
    """Structured directions on the 2-sphere.

    ``kind="fibonacci"``: ``num`` near-uniform points on a Fibonacci spiral.
    ``kind="latlong"``: a latitude x longitude grid with ``num = n_lat * n_lon``
    (``n_lat`` is the largest divisor of ``num`` not above ``sqrt(num)``); the
    latitudes avoid the poles so no direction repeats.
    """
    _check_count(num)
    if kind == "fibonacci":
        i = torch.arange(num, dtype=torch.float64) + 0.5
        z = 1 - 2 * i / num
        r = torch.sqrt((1 - z * z).clamp_min(0))
        phi = math.pi * (3 - math.sqrt(5)) * i
        v = torch.stack([r * torch.cos(phi), r * torch.sin(phi), z], dim=1)
    elif kind == "latlong":
        n_lat = max(d for d in range(1, int(math.isqrt(num)) + 1) if num % d == 0)
        n_lon = num // n_lat
        theta = math.pi * (torch.arange(n_lat, dtype=torch.float64) + 0.5) / n_lat
        phi = 2 * math.pi * torch.arange(n_lon, dtype=torch.float64) / n_lon
        th, ph = torch.meshgrid(theta, phi, indexing="ij")
        v = torch.stack([th.sin() * ph.cos(), th.sin() * ph.sin(), th.cos()], dim=-1).reshape(-1, 3)
    else:
        raise ValueError(f"kind must be 'fibonacci' or 'latlong', got {kind!r}")
    return v.to(device=device, dtype=dtype or torch.get_default_dtype())


class LearnableDirections(nn.Module):
    """Trainable directions kept on the unit sphere: ``forward()`` returns ``v / |v|``.

    Args:
        num: number of directions T.
        dim: ambient dimension d.
        init: optional ``[T, d]`` initial directions (else seeded random ones).
        seed: seed for the random initialisation.
    """

    def __init__(self, num: int = 64, dim: int = 3, *, init: Tensor | None = None, seed: int = 0) -> None:
        super().__init__()
        if init is not None:
            if init.dim() != 2 or (init.norm(dim=1) == 0).any():
                raise ValueError("init must be [T, d] with non-zero rows")
            num, dim = init.shape
        self.num, self.dim, self.seed = int(num), int(dim), seed
        self._init = None if init is None else init.detach().clone()
        self.weight = nn.Parameter(torch.empty(self.num, self.dim))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise to the given or the seeded random directions."""
        init = self._init if self._init is not None else random_directions(self.num, self.dim, seed=self.seed)
        with torch.no_grad():
            self.weight.copy_(init / init.norm(dim=1, keepdim=True))

    def forward(self) -> Tensor:
        """Unit directions ``[T, d]`` (differentiable w.r.t. the raw weights)."""
        return self.weight / self.weight.norm(dim=1, keepdim=True).clamp_min(1e-12)

    def extra_repr(self) -> str:
        return f"num={self.num}, dim={self.dim}"
