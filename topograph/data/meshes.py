"""Users' own meshes (OFF/OBJ/STL/PLY) through trimesh, from a ModelNet-style folder.

Layout: ``root/<class>/{train,test}/*.{off,obj,stl,ply}``. Nothing is downloaded;
missing folders or files raise errors that name what is missing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import trimesh
from torch_geometric.data import Data

from topograph.data.shapes import mesh_to_data

__all__ = ["MESH_SUFFIXES", "load_mesh", "load_mesh_folder"]

MESH_SUFFIXES = (".off", ".obj", ".stl", ".ply")


def load_mesh(path: str | Path, *, normalize: bool = True, num_points: int | None = None, seed: int = 0) -> Data:
    """One mesh file as ``Data(pos, edge_index, face)`` (or ``pos`` only with ``num_points`` samples).

    ``normalize`` centres the vertices and scales them into the unit ball (the
    farthest vertex at distance ``1 - 1e-4``), as the ECT with ``radius=1`` needs.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"mesh file not found: {path}")
    if path.suffix.lower() not in MESH_SUFFIXES:
        raise ValueError(f"unsupported mesh format {path.suffix!r} for {path}; use one of {', '.join(MESH_SUFFIXES)}")
    try:
        mesh = trimesh.load(str(path), force="mesh", process=False)
    except Exception as err:  # trimesh raises many types for corrupt files
        raise ValueError(f"could not read mesh {path}: {err}") from err
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.vertices) == 0 or len(mesh.faces) == 0:
        raise ValueError(f"{path} contains no triangle mesh (no vertices or no faces)")
    if not np.isfinite(np.asarray(mesh.vertices)).all():
        raise ValueError(f"{path} has NaN or infinite vertex coordinates")
    mesh.process()  # merge duplicate vertices, drop degenerate faces (as process=True would)
    if normalize:
        v = np.asarray(mesh.vertices, dtype=np.float64)
        v = v - v.mean(axis=0)
        # a hair inside the unit ball, as topograph.ect.fit_to_unit_ball (margin 1e-4)
        mesh.vertices = v * ((1 - 1e-4) / max(np.linalg.norm(v, axis=1).max(), 1e-12))
    if num_points is not None:
        pts, _ = trimesh.sample.sample_surface(mesh, num_points, seed=seed)
        return Data(pos=torch.as_tensor(pts, dtype=torch.float32))
    return mesh_to_data(mesh)


def load_mesh_folder(
    root: str | Path,
    split: str = "train",
    *,
    classes: list[str] | None = None,
    normalize: bool = True,
    num_points: int | None = None,
    seed: int = 0,
) -> tuple[list[Data], list[str]]:
    """All meshes of ``root/<class>/<split>/``, labelled by sorted class name.

    Returns the list of ``Data`` (with ``y``) and the class names.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"mesh folder not found: {root} (expected root/<class>/{split}/*.off)")
    names = classes or sorted(p.name for p in root.iterdir() if p.is_dir())
    if not names:
        raise FileNotFoundError(f"no class folders in {root} (expected root/<class>/{split}/*.off)")
    out = []
    for label, name in enumerate(names):
        folder = root / name / split
        if not folder.is_dir():
            raise FileNotFoundError(f"missing split folder {folder}")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in MESH_SUFFIXES)
        if not files:
            raise FileNotFoundError(f"no {'/'.join(MESH_SUFFIXES)} files in {folder}")
        for i, f in enumerate(files):
            data = load_mesh(f, normalize=normalize, num_points=num_points, seed=seed + i)
            data.y = torch.tensor([label])
            out.append(data)
    return out, list(names)
