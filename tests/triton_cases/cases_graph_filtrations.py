"""graph_persistence (edge filtrations) on the Triton kernel equals the numba kernel."""
import torch
from hypothesis import given, settings

from interp import interpreted  # noqa: F401  (module fixture)
from test_core_graph_filtrations import edge_filtrations
from topograph.core.graph_persistence import graph_persistence


@settings(max_examples=10)
@given(data=edge_filtrations())
def test_edge_filtration_equals_numba(data):
    """Ties in vertex and edge values, isolated vertices, self-loops, both directions."""
    vals, ev, edges, batch, sizes = data
    ei = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    args = (torch.from_numpy(vals), torch.from_numpy(ev), ei, torch.from_numpy(batch))
    a = graph_persistence(*args, num_samples=len(sizes), backend="triton")
    b = graph_persistence(*args, num_samples=len(sizes), backend="numba")
    for dim in (0, 1):
        da, db = a.diagram(dim), b.diagram(dim)
        for f in ("birth", "death", "essential", "batch", "birth_index", "death_index"):
            assert torch.equal(getattr(da, f), getattr(db, f)), (dim, f)
