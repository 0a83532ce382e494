"""ECTLayer: the (differentiable) Euler characteristic transform as a PyG-style module."""
from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from topograph.core._deprecation import keyword_only, renamed_kwargs
from topograph.ect._inputs import check_config
from topograph.ect._kernel import check_backend
from topograph.ect.directions import LearnableDirections, random_directions
from topograph.ect.fit import check_height_range_once
from topograph.ect.transform import ect

__all__ = ["ECTLayer", "complex_from_data"]


def complex_from_data(data: Any) -> dict[str, Any]:
    """Coordinates and complex of a PyG ``Data``/``Batch``: ``pos`` (else ``x``), ``edge_index``, ``face``.

    The complex type follows the inputs: a point cloud if there are neither edges
    nor faces, a graph with edges, a mesh with faces.
    """
    x = getattr(data, "pos", None)
    if x is None:
        x = getattr(data, "x", None)
    if x is None:
        raise ValueError("data has neither 'pos' nor 'x' coordinates")
    batch = getattr(data, "batch", None)
    face = getattr(data, "face", None)
    out = {"x": x, "edge_index": getattr(data, "edge_index", None), "faces": face}
    if face is not None and face.dim() == 2 and face.shape[0] >= 4:  # volume mesh: tetrahedra
        out["faces"], out["simplices"] = None, [face]
    if batch is not None:
        out["batch"] = batch
        out["num_samples"] = int(data.num_graphs)
    return out


class ECTLayer(nn.Module):
    r"""Euler characteristic transform layer (DECT, Röell & Rieck, ICLR 2024).

    For a complex with vertex coordinates :math:`x \in \mathbb{R}^{N \times d}`,
    directions :math:`v_1..v_T \in S^{d-1}` and thresholds :math:`t_1..t_R`
    evenly spaced in :math:`[-\text{radius}, \text{radius}]`:

    .. math::
        \mathrm{ECT}[b, r, j] = \sum_{\sigma \in K_b} (-1)^{\dim \sigma}\,
            S\big(t_r - \max_{u \in \sigma} \langle x_u, v_j \rangle\big)

    with :math:`S(u) = [u \ge 0]` (``scale=None``, exact) or
    :math:`S(u) = \mathrm{sigmoid}(\text{scale}\cdot u)` (differentiable in
    :math:`x` and :math:`v`). Simplices are the vertices, the edges and the
    triangles that the input provides.

    Shapes: input ``x [N, d]`` with keyword-only ``edge_index [2, E]``,
    ``faces [3, F]``, ``batch [N]``, ``num_samples`` (or a PyG ``Data``/``Batch``
    with ``pos``/``x`` and optional ``edge_index``, ``face``, ``batch``); output
    ``[B, resolution, num_directions]`` (sample, threshold, direction).

    Args:
        num_directions: T.
        dim: d, the coordinates' dimension.
        resolution: R, the number of thresholds.
        radius: threshold range.
        scale: sigmoid sharpness; ``None`` for the exact (non-differentiable) ECT.
        learnable: learn the directions (kept on the unit sphere).
        directions: optional fixed/initial ``[T, d]`` directions (else seeded random).
        normalize: divide each sample's image by its own max absolute value.
        seed: seed of the random directions.
        backend: ``"auto"``, ``"numba"``, ``"triton"`` or ``"torch"``, as in :func:`topograph.ect.ect`.
        validate: warn (``ECTRangeWarning``) when a vertex height leaves
            ``[-radius, radius]`` (see :func:`topograph.ect.ect`), once per layer
            (one warning in a training loop, not one per step); fit the input
            with :func:`topograph.ect.fit_to_unit_ball` first. ``False`` skips the
            check and its host sync.

    The output follows the dtype of ``x`` (float64 coordinates give float64
    images; the directions are cast).
    """

    def __init__(
        self,
        num_directions: int = 64,
        dim: int = 3,
        *,
        resolution: int = 64,
        radius: float = 1.0,
        scale: float | None = 500.0,
        learnable: bool = False,
        directions: Tensor | None = None,
        normalize: bool = False,
        seed: int = 0,
        validate: bool = True,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        check_config(resolution, radius, scale)
        check_backend(backend)
        if directions is not None:
            if not isinstance(directions, Tensor):
                raise TypeError(f"directions must be a [T, d] torch.Tensor, got {type(directions).__name__}")
            if directions.dim() != 2:
                raise ValueError(f"directions must be [T, d], got {tuple(directions.shape)}")
            num_directions, dim = directions.shape
        if learnable and scale is None:
            raise ValueError("learnable directions need a differentiable ECT: set scale > 0")
        self.num_directions, self.dim = int(num_directions), int(dim)
        self.resolution, self.radius, self.scale = resolution, float(radius), scale
        self.learnable, self.normalize, self.seed, self.backend = learnable, normalize, seed, backend
        self.validate = validate
        init = directions if directions is not None else random_directions(num_directions, dim, seed=seed)
        if learnable:
            self.directions = LearnableDirections(init=init)
        else:
            init = init.detach().clone()  # float64 directions stay float64 (no silent rounding)
            self.register_buffer("fixed_directions", init if init.is_floating_point() else init.float())
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Reset learnable directions to their initial values (no-op when fixed)."""
        if self.learnable:
            self.directions.reset_parameters()

    def get_directions(self) -> Tensor:
        """Current unit directions ``[T, d]``."""
        return self.directions() if self.learnable else self.fixed_directions

    @keyword_only(2, ("edge_index", "faces", "batch", "num_samples"))
    @renamed_kwargs(face="faces")
    def forward(
        self,
        x: Tensor | Any,
        *,
        edge_index: Tensor | None = None,
        faces: Tensor | None = None,
        batch: Tensor | None = None,
        num_samples: int | None = None,
        simplices: Any = None,
        complex: Any = None,
    ) -> Tensor:
        """ECT images ``[B, resolution, T]`` of a tensor ``x`` or a PyG ``Data``/``Batch``.

        The complex is given by ``edge_index`` / ``faces`` / ``simplices`` / ``batch``
        or as a prepared :class:`~topograph.core.complex.GraphBatch` (``complex=``).
        All are keyword-only; by position (the old order ``edge_index,
        face, batch, num_samples``) and ``face=`` still work, with a
        ``DeprecationWarning``.
        """
        if not isinstance(x, Tensor):
            kw = complex_from_data(x)
        else:
            kw = {"x": x, "edge_index": edge_index, "faces": faces, "batch": batch, "num_samples": num_samples,
                  "simplices": simplices, "complex": complex}
        dirs = self.get_directions().to(device=kw["x"].device)
        if kw["x"].dtype.is_floating_point:
            dirs = dirs.to(kw["x"].dtype)
        if self.validate:
            check_height_range_once(self, kw["x"], dirs, self.radius)
        return ect(directions=dirs, resolution=self.resolution, radius=self.radius,
                   scale=self.scale, normalize=self.normalize, validate=False,
                   backend=self.backend, **kw)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_directions={self.num_directions}, dim={self.dim}, "
                f"resolution={self.resolution}, radius={self.radius}, scale={self.scale}, "
                f"learnable={self.learnable}, normalize={self.normalize})")
