"""Clear errors for odd inputs, raised before anything large is allocated (issue 9, item 5)."""
import time

import pytest
import torch

from topograph import lower_star_persistence, rips_persistence
from topograph.core import GraphBatch
from topograph.core.validation import MAX_EMPTY_SAMPLES
from topograph.ect import ect, thresholds
from topograph.nn import TOGL
from topograph.topoae import TopologicalSignatureLoss

V = torch.tensor([[0.3], [1.0], [0.2], [2.0], [0.5], [1.5]])
EI = torch.tensor([[0, 1, 2, 3, 4, 0], [1, 2, 3, 4, 0, 5]])


@pytest.mark.parametrize("call", [
    lambda t: lower_star_persistence(t, EI),
    lambda t: rips_persistence(t),
    lambda t: ect(t, torch.eye(1)),
    lambda t: TopologicalSignatureLoss()(t, t),
    lambda t: TOGL(1, 2)(t, EI),
], ids=["lower_star", "rips", "ect", "topoae_loss", "togl"])
def test_sparse_and_float8_values(call):
    with pytest.raises(TypeError, match=r"sparse.*to_dense\(\)"):
        call(V.to_sparse())
    with pytest.raises(TypeError, match=r"float8_e4m3fn.*float32"):
        call(V.to(torch.float8_e4m3fn))


INT_DTYPES = [torch.int8, torch.int16, torch.int32, torch.int64,
              torch.uint8, torch.uint16, torch.uint32, torch.uint64]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_every_integer_dtype_is_an_index(dtype):
    """One rule everywhere: any integer dtype (signed or unsigned) for edge_index, faces
    and batch; bool and floats are refused. Results equal those of int64 indices."""
    ref = lower_star_persistence(V, EI)
    batch = torch.tensor([0, 0, 0, 0, 0, 1])
    ei2 = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]])
    ours = lower_star_persistence(V, EI.to(dtype))
    assert torch.equal(ours.dim0.death, ref.dim0.death) and torch.equal(ours.dim1.birth, ref.dim1.birth)
    two = lower_star_persistence(V, ei2.to(dtype), batch.to(dtype))
    assert torch.equal(two.dim0.death, lower_star_persistence(V, ei2, batch).dim0.death)
    faces = torch.tensor([[0], [1], [2]])
    cx = GraphBatch.from_edge_index(EI.to(dtype), 6, batch=None, faces=faces.to(dtype))
    assert torch.equal(cx.edge_index, GraphBatch.from_edge_index(EI, 6, faces=faces).edge_index)
    x = 0.3 * torch.rand(6, 2)  # inside the unit ball: no range warning
    torch.testing.assert_close(ect(x, torch.eye(2), edge_index=ei2.to(dtype), batch=batch.to(dtype)),
                               ect(x, torch.eye(2), edge_index=ei2, batch=batch))


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32])
def test_non_integer_indices_are_refused(dtype):
    with pytest.raises(TypeError, match="edge_index must be an integer tensor"):
        lower_star_persistence(V, EI.to(dtype))
    with pytest.raises(TypeError, match="batch must be an integer tensor"):
        lower_star_persistence(V, EI, torch.zeros(6).to(dtype))


def test_sparse_indices_are_refused():
    with pytest.raises(TypeError, match="edge_index is a sparse"):
        lower_star_persistence(V, EI.to_sparse())


@pytest.mark.parametrize("cap", [float("-inf"), -5.0, 0.5])
def test_essential_death_below_a_birth(cap):
    """Essential classes may not die before they are born (a float cap >= every birth)."""
    with pytest.raises(ValueError, match="essential_death"):
        lower_star_persistence(V, EI, essential_death=cap)
    ok = lower_star_persistence(V, EI, essential_death=2.0)  # the largest value: fine
    d = ok.dim0
    assert bool((d.death >= d.birth).all()) and bool((ok.dim1.death >= ok.dim1.birth).all())


def test_essential_death_rips():
    x = torch.randn(5, 2)
    for cap in (float("-inf"), -1.0):
        with pytest.raises(ValueError, match="essential_death"):
            rips_persistence(x, essential_death=cap)
    d = rips_persistence(x, essential_death=0.0).dim0
    assert bool((d.death >= d.birth).all())


@pytest.mark.parametrize("num", [10 ** 12, 10 ** 8])
def test_implausible_num_samples_fail_fast(num):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"num_samples={num} is implausible"):
        lower_star_persistence(V, EI, num_samples=num)
    with pytest.raises(ValueError, match="implausible"):
        lower_star_persistence(V, EI, torch.zeros(6, dtype=torch.long), num_samples=num)
    with pytest.raises(ValueError, match="implausible"):
        TOGL(1, 2)(V, EI, torch.zeros(6, dtype=torch.long), num_samples=num)
    with pytest.raises(ValueError, match="implausible"):
        ect(torch.randn(5, 2), torch.eye(2), num_samples=num)
    assert time.perf_counter() - start < 5


def test_empty_samples_up_to_the_limit_are_fine():
    out = lower_star_persistence(V, EI, num_samples=6 + MAX_EMPTY_SAMPLES)
    assert out.dim0.num_samples == 6 + MAX_EMPTY_SAMPLES


def test_absurd_ect_sizes_name_the_size():
    with pytest.raises(ValueError, match=r"resolution=1000000000 .*GiB"):
        ect(torch.randn(5, 2), torch.eye(2), resolution=10 ** 9)
    with pytest.raises(ValueError, match=r"GiB"):
        thresholds(10 ** 13)
    with pytest.raises(ValueError, match=r"GiB"):
        ect(torch.randn(5, 2), torch.randn(10 ** 5, 2), resolution=10 ** 6)
