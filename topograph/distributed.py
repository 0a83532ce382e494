"""Multi-process training with ``torchrun`` / ``torch.distributed`` (DDP).

Every training script calls :func:`setup` first. Launched by ``torchrun
--nproc_per_node N``, it joins the process group (gloo on the CPU, nccl on
GPUs), pins each rank to its GPU and returns a :class:`DistContext`; launched
plainly, it returns a single-process context in which every helper is a no-op,
so the same code path serves both.

Topological terms (TopoAE's loss, TOGL's persistence) are computed *per rank on
its own mini-batch*: DDP averages the gradients of the ranks' losses, which is
the gradient of the mean of per-rank losses, not of the loss of the concatenated
global batch (persistence is not additive over batches).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn


@dataclass
class DistContext:
    """Where this process sits in the job: rank, world size and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def wrap(self, model: nn.Module) -> nn.Module:
        """``DistributedDataParallel`` around ``model`` when distributed (buffers such as
        BatchNorm statistics are broadcast from rank 0), else ``model`` itself."""
        model = model.to(self.device)
        if not self.distributed:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def sampler(self, dataset: Any, shuffle: bool = True, seed: int = 0,
                drop_last: bool = False) -> Any:
        """A ``DistributedSampler`` giving each rank its own shard (``None`` if single)."""
        if not self.distributed:
            return None
        from torch.utils.data.distributed import DistributedSampler

        return DistributedSampler(dataset, num_replicas=self.world_size, rank=self.rank,
                                  shuffle=shuffle, seed=seed, drop_last=drop_last)

    def shard(self, batches: list) -> list:
        """This rank's share of an epoch's batches: every ``world_size``-th batch.

        All ranks must draw the same batches (same seed). Every rank gets the same
        number of batches (a remainder is dropped) so that DDP's gradient
        all-reduce never waits for a rank that has run out of data.
        """
        if not self.distributed:
            return batches
        usable = len(batches) // self.world_size * self.world_size
        return batches[self.rank:usable:self.world_size]

    def mean(self, value: float | torch.Tensor) -> float:
        """Average of a scalar over ranks (for logging and early stopping decisions)."""
        if not self.distributed:
            return float(value)
        t = torch.as_tensor(value, dtype=torch.float64, device=self.device).reshape(1)
        dist.all_reduce(t)
        return float(t) / self.world_size

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (for saving checkpoints)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def setup(device: str | torch.device = "cpu") -> DistContext:
    """Joins the ``torchrun`` process group if launched by it; else a single process.

    ``device`` is the user's choice (``--device``); under torchrun ``cuda`` becomes
    ``cuda:LOCAL_RANK`` so that every rank owns one GPU.
    """
    device = torch.device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext(device=device)
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistContext(rank=rank, world_size=world, local_rank=local, device=device)
