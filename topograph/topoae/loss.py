"""The topological signature loss of the topological autoencoder (Moor et al., 2020).

For an input mini-batch ``X`` and its latent codes ``Z`` with distance matrices
``A^X`` and ``A^Z`` and dimension-0 Rips pairings (minimum spanning tree edges)
``pi^X`` and ``pi^Z``, the paper's ("symmetric") loss is

    L_XZ = ||A^X[pi^X] - A^Z[pi^X]||^2 / 2,   L_ZX = ||A^Z[pi^Z] - A^X[pi^Z]||^2 / 2,

and the loss is ``L_XZ + L_ZX``. Pairings come from the core's
:func:`~topograph.core.pairing.rips.rips_pairs_from_points` (or, on the CPU with
the paper's settings, from the fused numba kernel of ``topograph.topoae._fused``)
as integer edge indices without gradient; the selected distances are then
recomputed from the coordinates so that autograd only touches the ``O(n)``
paired entries.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from topograph.core import rips_dim1_pairs
from topograph.core._deprecation import keyword_only
from topograph.core.filtration import centred
from topograph.core.pairing.rips import (
    batched_numpy,
    farthest_pair,
    prim_operand,
    rips_pairs_from_points,
)
from topograph.core.validation import all_finite, check_float

MATCHINGS = ("symmetric", "sorted_deaths", "random")
NORMALIZATIONS = ("batch_max", "learnable", "none")


def _pair_distances(points: Tensor, pairs: Tensor) -> Tensor:
    """Euclidean distances ``[B, P]`` of index pairs ``[B, P, 2]`` in ``points [B, n, D]``.

    Two ``index_select`` on the flattened points (their backward is a cheap
    ``index_add``); the norm has gradient 0, not NaN, at distance 0.
    """
    B, n, D = points.shape
    if B > 1:
        pairs = pairs + (torch.arange(B, device=points.device) * n).view(B, 1, 1)
    i, j = pairs.reshape(-1, 2).unbind(1)
    pts = points.reshape(B * n, D)
    diff = pts.index_select(0, i) - pts.index_select(0, j)
    return torch.linalg.vector_norm(diff, dim=-1).view(B, -1)


def _squared_distances(points: Tensor) -> Tensor:
    """Squared distance matrices ``[B, n, n]`` (for pairing only: MST and Rips pairs
    depend on the order of the distances alone, so no square root is needed). The
    points are centred first: the Gram form cancels catastrophically far from the origin."""
    points = centred(points)
    sq = (points * points).sum(-1)
    # rounding may leave tiny negative entries near duplicates: harmless for the MST and the max
    return torch.baddbmm(sq.unsqueeze(2) + sq.unsqueeze(1), points, points.transpose(1, 2), alpha=-2)


class TopologicalSignatureLoss(nn.Module):
    """Bidirectional topological loss between an input batch and its latent codes.

    Args:
        matching: ``"symmetric"`` (paper, default): each space's MST edges are
            compared in both spaces. ``"sorted_deaths"``: one term, the squared
            distance between the sorted death vectors of both spaces (reported as
            ``L_XZ``; ``L_ZX`` is 0). ``"random"``: control with random vertex
            pairs instead of MST edges (same count, drawn anew each call).
        normalization: ``"batch_max"`` (default): each space's distances are
            divided by their own batch maximum, which makes the loss invariant to
            rotations, translations and scalings of either space. ``"learnable"``:
            the original code's choice, input by its batch maximum and latent
            distances by a learnable scalar ``latent_scale`` initialised to 1.
            ``"none"``, a float (both spaces) or a pair of floats ``(c_x, c_z)``:
            fixed constants.
        dims: ``(0,)`` (paper) or ``(0, 1)``; dimension 1 adds the birth and death
            edges of the Rips dimension-1 pairs (core, giotto-ph on CPU) to the
            symmetric matching.
        reduction: ``"sum"`` (paper) or ``"mean"`` (divided by the number of
            points per batch, as in the original code).
        generator: optional ``torch.Generator`` for ``matching="random"``.
        backend: pairing backend of the core's ``rips_pairs_from_points`` (``"auto"``:
            numba Prim on the CPU, torch Borůvka on GPUs; ``"torch"`` forces the
            GPU algorithm, e.g. to test it on the CPU).
        fused: on CPU tensors with the paper's settings (symmetric matching, dimension
            0, batch-max or fixed normalisation) compute value and gradient in one
            numba kernel (``topograph.topoae._fused``) instead of ~60 small tensor
            operations; ``False`` uses the gathered tensor path everywhere.

    ``forward(x, z)`` takes ``x [n, ...]`` (flattened to ``[n, D]``) and ``z [n, m]``
    and returns a scalar; batched input ``x [B, n, ...]``, ``z [B, n, m]`` (B
    independent problems, computed together) returns a ``[B]`` tensor.
    With ``return_parts=True`` it returns ``(loss, parts)``: ``parts`` holds
    ``L_XZ`` and ``L_ZX`` (shaped like the loss, detached: for logging) and
    ``n_pairs`` (int, the number of compared distances summed over the batch).
    """

    @keyword_only(1, ("matching", "normalization", "dims", "reduction", "generator", "backend",
                      "fused"))
    def __init__(
        self,
        *,
        matching: str = "symmetric",
        normalization: str | float | tuple[float, float] = "batch_max",
        dims: Sequence[int] = (0,),
        reduction: str = "sum",
        generator: torch.Generator | None = None,
        backend: str = "auto",
        fused: bool = True,
    ) -> None:
        super().__init__()
        if matching not in MATCHINGS:
            raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")
        if reduction not in ("sum", "mean"):
            raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        dims = tuple(sorted(set(int(d) for d in dims)))
        if dims not in ((0,), (0, 1)):
            raise ValueError(f"dims must be (0,) or (0, 1), got {dims}")
        if 1 in dims and matching != "symmetric":
            raise ValueError("dims=(0, 1) is only supported with matching='symmetric'")
        if backend not in ("auto", "numba", "torch"):
            raise ValueError(f"backend must be 'auto', 'numba' or 'torch', got {backend!r}")
        self.matching = matching
        self.dims = dims
        self.reduction = reduction
        self.generator = generator
        self.backend = backend
        self.fused = fused
        self._scales: tuple[float, float] | None = None
        if isinstance(normalization, str):
            if normalization not in NORMALIZATIONS:
                raise ValueError(
                    f"normalization must be one of {NORMALIZATIONS}, a float or a pair of floats, "
                    f"got {normalization!r}"
                )
            if normalization == "none":
                self._scales = (1.0, 1.0)
        else:
            c = (normalization, normalization) if isinstance(normalization, (int, float)) else normalization
            if len(c) != 2:
                raise ValueError(f"normalization must be a float or a pair of floats, got {normalization!r}")
            self._scales = (float(c[0]), float(c[1]))
            if not all(math.isfinite(v) and v > 0 for v in self._scales):
                raise ValueError(f"fixed normalization constants must be finite and positive, "
                                 f"got {normalization!r}")
            normalization = "fixed"
        self.normalization = normalization
        self.latent_scale = nn.Parameter(torch.ones(())) if normalization == "learnable" else None

    def extra_repr(self) -> str:
        return (f"matching={self.matching!r}, normalization={self.normalization!r}, "
                f"dims={self.dims}, reduction={self.reduction!r}")

    # ------------------------------------------------------------------ input
    @staticmethod
    def _prepare(x: Tensor, z: Tensor) -> tuple[Tensor, Tensor, bool]:
        if not isinstance(x, Tensor) or not isinstance(z, Tensor):
            raise TypeError("x and z must be tensors")
        if x.device != z.device:
            raise ValueError(f"x and z must be on the same device, got x on {x.device}, z on {z.device}")
        if z.device.type == "meta":
            raise ValueError("x and z are on the meta device, which holds no data; "
                             "move them to the cpu or a cuda device")
        if z.dim() not in (2, 3):
            raise ValueError(f"z must be [n, m] or batched [B, n, m], got shape {tuple(z.shape)}")
        batched = z.dim() == 3
        lead = 2 if batched else 1
        if x.dim() < lead or tuple(x.shape[:lead]) != tuple(z.shape[:lead]):
            what = "[B, n]" if batched else "n (batch size)"
            raise ValueError(
                f"x and z must agree in {what}: x has shape {tuple(x.shape)}, z has {tuple(z.shape)}"
            )
        if z.shape[-1] == 0:
            raise ValueError("latent dimension is 0: z must have at least one column")
        if batched and z.shape[0] == 0:
            raise ValueError("empty batch: z has shape [0, n, m]")
        n = z.shape[-2]
        if n < 2:
            raise ValueError(f"a mini-batch needs at least 2 points, got {n}")
        if not x.is_floating_point() or not z.is_floating_point():
            raise TypeError("x and z must be floating-point tensors")
        check_float(x, "x")  # sparse layouts, float8: a clear TypeError
        check_float(z, "z")
        if x.dim() != lead + 1:
            x = x.reshape(*z.shape[:lead], -1)
        if x.shape[-1] == 0:
            raise ValueError("x has no features")
        return x, z, batched

    @staticmethod
    def _check_finite(x: Tensor, z: Tensor) -> None:
        for name, t in (("x", x), ("z", z)):
            if not all_finite(t):
                raise ValueError(f"{name} contains NaN or inf")

    # ------------------------------------------------------------------ pairs
    def _random_pairs(self, B: int, n: int, device: torch.device) -> Tensor:
        g = self.generator
        i = torch.randint(0, n, (B, n - 1), device=device, generator=g)
        j = (i + torch.randint(1, n, (B, n - 1), device=device, generator=g)) % n
        return torch.stack([i, j], dim=-1)

    @staticmethod
    def _dim1_edges(dist: Tensor) -> tuple[Tensor, Tensor]:
        """Birth and death edges ``[K, 2, 2]`` of the dim-1 Rips pairs of ``dist [B, n, n]``
        and the problem id ``[K]`` of each (giotto-ph through the core, CPU)."""
        dist = dist.clamp_min(0)
        dist.diagonal(dim1=1, dim2=2).zero_()  # giotto-ph reads the diagonal as vertex births
        per = rips_dim1_pairs(dist)
        edges = torch.cat([torch.stack([b, d], dim=1) for b, d in per]).to(dist.device)
        batch = torch.repeat_interleave(
            torch.arange(len(per), device=dist.device),
            torch.tensor([len(b) for b, _ in per], device=dist.device),
        )
        return edges.long().reshape(-1, 2, 2), batch

    # ---------------------------------------------------------------- forward
    def _fused_ok(self, x: Tensor, z: Tensor) -> bool:
        """The fused CPU kernel covers the paper's configuration (and fixed constants)."""
        return (self.fused and x.device.type == "cpu" and z.device.type == "cpu"
                and self.matching == "symmetric" and self.dims == (0,)
                and self.normalization in ("batch_max", "fixed", "none")
                and self.backend in ("auto", "numba")
                and x.dtype in (torch.float32, torch.float64) and z.dtype == x.dtype)

    def _forward_fused(self, x: Tensor, z: Tensor, return_parts: bool):
        """Both pairings and the loss in one numba call, with as few Python-level
        operations as possible: inside a training step each costs more than the
        arithmetic of a batch of a few hundred points."""
        from topograph.topoae._fused import FusedSignatureLoss, NonFiniteLoss  # numba: lazily

        xd, zd = x.detach(), z.detach()
        ax, kx = prim_operand(xd)  # the core's Prim operands (coordinates or BLAS Gram)
        az, kz = prim_operand(zd)
        xn, zn = batched_numpy(xd), batched_numpy(zd)  # views: no copy of contiguous inputs
        fixed_x, fixed_z = self._scales if self._scales is not None else (0.0, 0.0)
        sink: list = []
        try:
            loss = FusedSignatureLoss.apply(x, z, (xn, zn, ax, kx, az, kz, fixed_x, fixed_z, sink))
        except NonFiniteLoss:
            self._check_finite(x, z)
            raise ValueError("distances of x or z overflow: the values are too large; rescale "
                             "them or use float64") from None
        n = z.shape[-2]
        if self.reduction == "mean":
            loss = loss / n
            sink[0] /= n
        if return_parts:
            parts = sink[0] if z.dim() == 3 else sink[0][0]
            return loss, {"L_XZ": torch.from_numpy(parts[..., 0]), "L_ZX": torch.from_numpy(parts[..., 1]),
                          "n_pairs": ax.shape[0] * 2 * (n - 1)}
        return loss

    def forward(self, x: Tensor, z: Tensor, return_parts: bool = False):
        x, z, batched = self._prepare(x, z)
        if self._fused_ok(x, z):  # checks NaN/inf only when the result is not finite
            return self._forward_fused(x, z, return_parts)
        self._check_finite(x, z)
        if not batched:
            x, z = x.unsqueeze(0), z.unsqueeze(0)
        B, n = z.shape[0], z.shape[1]
        dx = dz = None
        with torch.no_grad():
            if self.matching == "random" or 1 in self.dims:
                dx = _squared_distances(x)
                dz = _squared_distances(z)
            if self.matching == "random":
                pix = piz = self._random_pairs(B, n, z.device)
                far_x, far_z = farthest_pair(dx)[:, None], farthest_pair(dz)[:, None]
            else:
                # MST edges and the farthest pair of each space straight from the points:
                # no distance matrix for low-dimensional spaces, Prim finds the diameter
                pix, fx = rips_pairs_from_points(x, backend=self.backend, return_farthest=True)
                piz, fz = rips_pairs_from_points(z, backend=self.backend, return_farthest=True)
                pix, piz = pix.to(z.device), piz.to(z.device)
                far_x, far_z = fx.to(z.device)[:, None], fz.to(z.device)[:, None]
            sel = torch.cat([pix, piz], dim=1)
            # the last column holds each space's batch-max entry (for the default normalisation)
            sel_x = torch.cat([sel, far_x], dim=1)
            sel_z = torch.cat([sel, far_z], dim=1)
        P = n - 1
        ax, x_max = _pair_distances(x, sel_x).split([2 * P, 1], dim=1)
        az, z_max = _pair_distances(z, sel_z).split([2 * P, 1], dim=1)
        finite = torch.isfinite(torch.stack([x_max.detach().max(), z_max.detach().max()]))
        if not bool(finite.all()):
            name = "x" if not bool(finite[0]) else "z"
            raise ValueError(f"distances of {name} overflow {x.dtype if name == 'x' else z.dtype}: "
                             f"the values of {name} are too large; rescale them or use float64")
        sx, sz = self._scales_of(x_max, z_max)
        ax, az = ax / sx, az / sz

        n_pairs = B * 2 * P
        if self.matching == "sorted_deaths":
            sq = (ax[:, :P].sort(dim=1).values - az[:, P:].sort(dim=1).values).pow(2)
            loss = 0.5 * sq.sum(1)
            n_pairs = B * P
        else:
            sq = (ax - az).pow(2)  # [B, 2P]: pi^X pairs, then pi^Z pairs
            loss = 0.5 * sq.sum(1)
        if return_parts:
            with torch.no_grad():
                if self.matching == "sorted_deaths":
                    l_xz, l_zx = loss.detach(), torch.zeros_like(loss)
                else:
                    halves = 0.5 * sq.detach().view(B, 2, P).sum(-1)
                    l_xz, l_zx = halves[:, 0], halves[:, 1]
        if 1 in self.dims:
            l1_xz, l1_zx, k = self._dim1_terms(x, z, dx, dz, sx, sz)
            loss = loss + l1_xz + l1_zx
            n_pairs += k
            if return_parts:
                l_xz, l_zx = l_xz + l1_xz.detach(), l_zx + l1_zx.detach()
        if self.reduction == "mean":
            loss = loss / n
            if return_parts:
                l_xz, l_zx = l_xz / n, l_zx / n
        if not batched:
            loss = loss[0]
        if return_parts:
            if not batched:
                l_xz, l_zx = l_xz[0], l_zx[0]
            return loss, {"L_XZ": l_xz, "L_ZX": l_zx, "n_pairs": n_pairs}
        return loss

    def _scales_of(self, x_max: Tensor, z_max: Tensor) -> tuple[Tensor | float, Tensor | float]:
        """Per-problem divisors ``[B, 1]`` (or floats) of the input and latent distances."""
        if self._scales is not None:
            return self._scales
        sx = x_max.clamp_min(torch.finfo(x_max.dtype).tiny)  # batch max; 0 only if all points equal
        if self.normalization == "learnable":
            return sx, self.latent_scale
        return sx, z_max.clamp_min(torch.finfo(z_max.dtype).tiny)

    def _dim1_terms(self, x: Tensor, z: Tensor, dx: Tensor, dz: Tensor, sx, sz) -> tuple[Tensor, Tensor, int]:
        """Symmetric dimension-1 terms over the birth and death edges of each space's cycles."""
        B, n = z.shape[0], z.shape[1]
        x, z = x.reshape(1, B * n, -1), z.reshape(1, B * n, -1)  # flat rows: index_select, no x[b, i]
        out = []
        for dist in (dx, dz):
            edges, batch = self._dim1_edges(dist)  # [K, 2, 2] (birth edge, death edge), [K]
            e = edges.reshape(-1, 2)
            bb = batch.repeat_interleave(2)
            dxe = _pair_distances(x, (e + (bb * n)[:, None]).view(1, -1, 2)).view(-1)
            dze = _pair_distances(z, (e + (bb * n)[:, None]).view(1, -1, 2)).view(-1)
            sxb = sx[:, 0].index_select(0, bb) if isinstance(sx, Tensor) and sx.dim() == 2 else sx
            szb = sz[:, 0].index_select(0, bb) if isinstance(sz, Tensor) and sz.dim() == 2 else sz
            sq = 0.5 * (dxe / sxb - dze / szb).pow(2)
            out.append((sq.new_zeros(B).index_add(0, bb, sq), 2 * int(edges.shape[0])))
        (l_xz, kx), (l_zx, kz) = out
        return l_xz, l_zx, kx + kz
