"""Data sets: TU graphs, synthetic graphs, Spheres, images and shapes.

Names are resolved lazily so that importing one loader does not import them all.
"""
from __future__ import annotations

from topograph._lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    # filled by the modules' data files: name -> module
    "TUDataset": "topograph.data.tu",
    "read_tu": "topograph.data.tu",
    "TUFormatError": "topograph.data.tu",
    "stratified_kfold": "topograph.data.tu",
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

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
