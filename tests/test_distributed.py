"""torchrun with 2 CPU processes (gloo): replicas stay identical and match one process.

The single-process reference reproduces DDP's semantics exactly: each step
averages the gradients of the two ranks' mini-batches (each with its own
topological term), so parameters must agree to rounding.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ddp_cases

HERE = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TASKS = ("topoae", "ect", "togl")


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory) -> Path:
    """One torchrun launch (2 ranks) trains all three cases in turn: the process
    start, imports and process group are paid once, not per module."""
    out = tmp_path_factory.mktemp("ddp")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(HERE.parent))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
           str(HERE / "_ddp_worker.py"), ",".join(TASKS), str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _ranks(out: Path, task: str) -> list[dict]:
    return [torch.load(out / f"{task}-rank{r}.pt") for r in range(2)]


def _topoae_reference() -> dict:
    from topograph.distributed import DistContext
    from topograph.topoae.train import _batches

    model = ddp_cases.topoae_model()
    cfg = ddp_cases.topoae_config()
    X = ddp_cases.topoae_data()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    model.train()
    for _ in range(cfg.epochs):
        batches = _batches(len(X), cfg.batch_size, gen)
        shards = [DistContext(rank=r, world_size=2).shard(batches) for r in range(2)]
        for b0, b1 in zip(*shards):
            opt.zero_grad()
            loss = (model(X[b0])[0] + model(X[b1])[0]) / 2
            loss.backward()
            opt.step()
    return model.state_dict()


@pytest.mark.slow
def test_topoae_ddp_two_ranks(ddp_runs):
    r0, r1 = _ranks(ddp_runs, "topoae")
    for k in r0:
        assert torch.equal(r0[k], r1[k]), f"ranks differ in {k}"
    ref = _topoae_reference()
    start = ddp_cases.topoae_model().state_dict()
    moved = False
    for k in ref:
        assert torch.allclose(r0[k], ref[k], atol=1e-5), f"{k}: DDP and single process differ"
        moved |= not torch.allclose(ref[k], start[k])
    assert moved, "training did not change the parameters"


def _ect_reference() -> dict:
    from topograph.distributed import DistContext
    from topograph.ect.classifier import ECTClassifier

    cfg = ddp_cases.ect_config()
    x, y = ddp_cases.ect_data()
    torch.manual_seed(cfg.seed)
    model = ECTClassifier(3, cfg.resolution, x.shape[2], hidden=cfg.hidden, kind=cfg.model,
                          direction_pool=cfg.direction_pool, dropout=cfg.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.epochs)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    for _ in range(cfg.epochs):
        batches = list(torch.randperm(len(x), generator=gen).split(cfg.batch_size))
        shards = [DistContext(rank=r, world_size=2).shard(batches) for r in range(2)]
        for b0, b1 in zip(*shards):
            loss = sum(torch.nn.functional.cross_entropy(model(x[b]), y[b]) for b in (b0, b1)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    return model.state_dict()


@pytest.mark.slow
def test_ect_ddp_two_ranks(ddp_runs):
    r0, r1 = _ranks(ddp_runs, "ect")
    ref = _ect_reference()
    for k in ref:
        assert torch.equal(r0[k], r1[k]), f"ranks differ in {k}"
        assert torch.allclose(r0[k], ref[k], atol=1e-5), f"{k}: DDP and single process differ"


def _togl_reference(ranks: int = 2) -> dict:
    from torch.utils.data.distributed import DistributedSampler
    from torch_geometric.data import Batch

    cfg = ddp_cases.togl_config()
    train, _ = ddp_cases.togl_data()
    model = ddp_cases.togl_model()
    from topograph.togl.train import make_optimizer

    opt = make_optimizer(model.parameters(), cfg)
    samplers = [DistributedSampler(train, num_replicas=2, rank=r, shuffle=True, seed=cfg.seed)
                for r in range(2)]
    for epoch in range(cfg.epochs):
        model.train()
        shards = []
        for s in samplers:
            s.set_epoch(epoch)
            idx = list(s)
            shards.append([idx[i:i + cfg.batch_size] for i in range(0, len(idx), cfg.batch_size)])
        for b0, b1 in zip(*shards):
            opt.zero_grad()
            for b in (b0, b1)[:ranks]:
                data = Batch.from_data_list([train[i] for i in b])
                (torch.nn.functional.cross_entropy(model(data), data.y) / ranks).backward()
            opt.step()
    return model.state_dict()


@pytest.mark.slow
def test_togl_ddp_two_ranks(ddp_runs):
    r0, r1 = _ranks(ddp_runs, "togl")
    ref = _togl_reference()
    wrong = _togl_reference(ranks=1)  # control: the gradient of rank 0's batches alone
    params = [k for k, _ in ddp_cases.togl_model().named_parameters()]
    for k in params:
        assert torch.equal(r0[k], r1[k]), f"ranks differ in {k}"
    err = max(float((r0[k] - ref[k]).abs().max()) for k in params)
    err_wrong = max(float((r0[k] - wrong[k]).abs().max()) for k in params)
    assert err <= 1e-5, f"DDP and single process differ by {err}"
    assert err_wrong > 1e-3, "the test cannot tell the right reference from a wrong one"
