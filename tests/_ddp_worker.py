"""Worker launched by torchrun in tests/test_distributed.py (2 CPU ranks, gloo).

Trains a tiny model per task (comma-separated: ``topoae,ect,togl``) with the
library's own training loop, one task after the other in the same process group,
and saves this rank's parameters to ``<out>/<task>-rank<r>.pt``.
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from ddp_cases import run_case  # noqa: E402

if __name__ == "__main__":
    tasks, out = sys.argv[1].split(","), Path(sys.argv[2])
    torch.set_num_threads(1)
    for task in tasks:
        state = run_case(task)
        rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
        torch.save(state, out / f"{task}-rank{rank}.pt")
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
