"""Seeded synthetic 3-D shapes of different topology and geometry (built with trimesh).

Classes: sphere, torus (fat ring), box (near-cubic), capsule (elongated),
annulus (flat washer, wide hole), cylinder (coin-like disc), cone; geometry
parameters are drawn per sample from the ranges in :func:`make_shape_mesh`. Each
sample is randomly rotated, scaled and perturbed, and returned either as a
triangle mesh (``pos``, ``edge_index``, ``face``) or as a point cloud sampled
from its surface (``pos``). Shapes are centred and fit in the unit ball.
"""
from __future__ import annotations

import numpy as np
import torch
import trimesh
from torch_geometric.data import Data

from topograph.core.geometry import fit_to_unit_ball as fit

__all__ = ["SHAPE_CLASSES", "make_shape_mesh", "mesh_to_data", "make_shapes"]

SHAPE_CLASSES = ("sphere", "torus", "box", "capsule", "annulus", "cylinder", "cone")


def make_shape_mesh(name: str, rng: np.random.Generator) -> trimesh.Trimesh:
    """One random (un-rotated, unnormalised) mesh of class ``name``."""
    c = trimesh.creation
    if name == "sphere":
        return c.icosphere(subdivisions=2, radius=rng.uniform(0.8, 1.2))
    if name == "torus":
        return c.torus(1.0, rng.uniform(0.3, 0.5), major_sections=24, minor_sections=12)
    if name == "box":
        mesh = c.box(extents=rng.uniform(0.8, 1.25, size=3))
        return mesh.subdivide().subdivide()
    if name == "capsule":
        return c.capsule(height=rng.uniform(1.0, 1.8), radius=rng.uniform(0.3, 0.45), count=[16, 16])
    if name == "annulus":
        # a flat washer with a wide hole (the torus is a fat ring with a small hole)
        return c.annulus(r_min=rng.uniform(0.65, 0.85), r_max=1.0, height=rng.uniform(0.1, 0.3), sections=32)
    if name == "cylinder":  # a coin-like disc (the capsule is elongated)
        return c.cylinder(radius=1.0, height=rng.uniform(0.3, 0.7), sections=32)
    if name == "cone":
        return c.cone(radius=rng.uniform(0.5, 1.0), height=rng.uniform(0.8, 1.6), sections=32)
    raise ValueError(f"unknown shape {name!r}; choose from {', '.join(SHAPE_CLASSES)}")


def _normalise(v: np.ndarray) -> np.ndarray:
    v = v - v.mean(axis=0)
    return v / max(np.linalg.norm(v, axis=1).max(), 1e-12)


def mesh_to_data(mesh: trimesh.Trimesh, y: int | None = None, *, fit_to_unit_ball: bool = False,
                 radius: float = 1.0) -> Data:
    """PyG ``Data`` with ``pos [N, 3]`` float32, ``edge_index [2, E]`` (u < v) and ``face [3, F]``.

    Coordinates are kept as they are unless ``fit_to_unit_ball=True``, which
    centres the vertices and scales them into the ball of ``radius`` (see
    :func:`topograph.ect.fit_to_unit_ball`), as the ECT with that ``radius``
    needs: otherwise a mesh larger than the ball is truncated (the ECT warns).
    """
    pos = torch.as_tensor(np.asarray(mesh.vertices), dtype=torch.float32)
    if fit_to_unit_ball:
        pos = fit(pos, radius=radius)
    data = Data(
        pos=pos,
        edge_index=torch.as_tensor(np.asarray(mesh.edges_unique).T.copy(), dtype=torch.long),
        face=torch.as_tensor(np.asarray(mesh.faces).T.copy(), dtype=torch.long),
    )
    if y is not None:
        data.y = torch.tensor([y])
    return data


def make_shapes(
    num_per_class: int = 50,
    *,
    classes: tuple[str, ...] = SHAPE_CLASSES,
    kind: str = "mesh",
    num_points: int = 256,
    noise: float = 0.01,
    scale_range: tuple[float, float] = (0.7, 1.0),
    seed: int = 0,
) -> list[Data]:
    """``num_per_class`` random shapes per class, label ``y`` = index in ``classes``.

    Args:
        kind: ``"mesh"`` (pos, edge_index, face) or ``"points"`` (pos only,
            ``num_points`` sampled from the surface).
        noise: standard deviation of the Gaussian jitter added to the coordinates.
        scale_range: random isotropic scale after fitting the shape in the unit ball.
        seed: everything (geometry, rotation, scale, noise, sampling) follows it.
    """
    if kind not in ("mesh", "points"):
        raise ValueError(f"kind must be 'mesh' or 'points', got {kind!r}")
    if num_per_class < 1:
        raise ValueError(f"num_per_class must be >= 1, got {num_per_class}")
    if kind == "points" and num_points < 1:
        raise ValueError(f"num_points must be >= 1, got {num_points}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise!r}")
    lo, hi = scale_range
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
        raise ValueError(f"scale_range must be (lo, hi) with 0 < lo <= hi, got {scale_range!r}")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(num_per_class):
        for label, name in enumerate(classes):
            mesh = make_shape_mesh(name, rng)
            rot = trimesh.transformations.random_rotation_matrix(rand=rng.random(3))[:3, :3]
            verts = _normalise(np.asarray(mesh.vertices)) @ rot.T * rng.uniform(*scale_range)
            mesh = trimesh.Trimesh(verts, np.asarray(mesh.faces), process=False)
            if kind == "points":
                pts, _ = trimesh.sample.sample_surface(mesh, num_points, seed=int(rng.integers(2**31)))
                pts = pts + noise * rng.standard_normal(pts.shape)
                out.append(Data(pos=torch.as_tensor(pts, dtype=torch.float32), y=torch.tensor([label])))
            else:
                mesh.vertices = verts + noise * rng.standard_normal(verts.shape)
                out.append(mesh_to_data(mesh, label))
    return out
