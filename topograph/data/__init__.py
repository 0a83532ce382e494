"""Data sets: TU graphs, synthetic graphs, Spheres, images and shapes.

Names are resolved lazily so that importing one loader does not import them all.
"""
from __future__ import annotations

from topograph._lazy import lazy_dir, lazy_getattr

_EXPORTS: dict[str, str] = {
    # filled by the modules' data files: name -> module
    "TUGraphs": "topograph.data.tu",
    "TUDataset": "topograph.data.tu",
    "pyg_layout": "topograph.data.tu",
    "read_tu": "topograph.data.tu",
    "TUFormatError": "topograph.data.tu",
    "stratified_kfold": "topograph.data.splits",
    "stratified_split": "topograph.data.splits",
    "cv_splits": "topograph.data.splits",
    "cycles_dataset": "topograph.data.synthetic_graphs",
    "necklaces_dataset": "topograph.data.synthetic_graphs",
    "csl_dataset": "topograph.data.csl",
    "Spheres": "topograph.data.spheres",
    "make_spheres": "topograph.data.spheres",
    "Digits": "topograph.data.images",
    "load_digits": "topograph.data.images",
    "load_mnist": "topograph.data.images",
    "load_fashion_mnist": "topograph.data.images",
    "split_indices": "topograph.data.splits",
    "SHAPE_CLASSES": "topograph.data.shapes",
    "make_shapes": "topograph.data.shapes",
    "make_shape_mesh": "topograph.data.shapes",
    "mesh_to_data": "topograph.data.shapes",
    "digits_point_clouds": "topograph.data.digits",
    "digits_grid_graphs": "topograph.data.digits",
    "load_mesh": "topograph.data.meshes",
    "load_mesh_folder": "topograph.data.meshes",
}

__all__ = sorted(k for k in _EXPORTS if k != "TUDataset")  # not the deprecated name


__getattr__ = lazy_getattr(__name__, _EXPORTS)
__dir__ = lazy_dir(__name__, globals(), __all__)
