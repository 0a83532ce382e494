"""Integer persistence pairings (no gradients): lower-star graphs and Rips complexes."""
from topograph.core.pairing.graph import GraphPairing, pair_graphs
from topograph.core.pairing.rips import rips_dim1_pairs, rips_pairs

__all__ = ["GraphPairing", "pair_graphs", "rips_dim1_pairs", "rips_pairs"]
