"""The differentiable filtration core shared by TopoAE, TOGL and DECT.

Complexes (:mod:`~topograph.core.complex`), filtrations
(:mod:`~topograph.core.filtration`), integer pairings computed without gradient
(:mod:`~topograph.core.pairing`) and diagrams whose values are gathered from the
differentiable filtration tensors (:mod:`~topograph.core.diagram`).
"""
from topograph.core.complex import GraphBatch, canonical_edges, canonical_faces
from topograph.core.diagram import Diagram
from topograph.core.extended import ExtendedPersistence, extended_persistence
from topograph.core.filtration import edge_lengths, lower_star, pairwise_distances
from topograph.core.graph_persistence import graph_persistence
from topograph.core.pairing.graph import GraphPairing, pair_graphs
from topograph.core.pairing.rips import rips_dim1_pairs, rips_pairs
from topograph.core.mesh_persistence import ComplexPersistence
from topograph.core.persistence import (
    GraphPersistence,
    RipsPersistence,
    lower_star_persistence,
    rips_persistence,
)
from topograph.core.pht import pht

__all__ = [
    "ComplexPersistence",
    "pht",
    "Diagram",
    "GraphBatch",
    "GraphPairing",
    "GraphPersistence",
    "RipsPersistence",
    "canonical_edges",
    "canonical_faces",
    "edge_lengths",
    "ExtendedPersistence",
    "extended_persistence",
    "graph_persistence",
    "lower_star",
    "lower_star_persistence",
    "pair_graphs",
    "pairwise_distances",
    "rips_dim1_pairs",
    "rips_pairs",
    "rips_persistence",
]
