"""Small training cases shared by the DDP worker and the single-process reference."""
from __future__ import annotations

import torch

TOPOAE_SEED = 0


def topoae_data() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return torch.randn(96, 6, generator=g)


def topoae_model():
    from topograph.topoae.models import LinearAutoencoder, TopologicallyRegularizedAutoencoder

    torch.manual_seed(TOPOAE_SEED)
    return TopologicallyRegularizedAutoencoder.from_autoencoder(LinearAutoencoder(6), lam=0.5)


def topoae_config():
    from topograph.topoae.train import TopoAETrainConfig

    return TopoAETrainConfig(epochs=2, batch_size=16, lr=1e-2, seed=TOPOAE_SEED, progress=False)


def ect_data():
    g = torch.Generator().manual_seed(2)
    return torch.randn(40, 8, 6, generator=g), torch.randint(0, 3, (40,), generator=g)


def ect_config():
    from topograph.ect.train import ECTConfig

    return ECTConfig(resolution=8, num_directions=6, hidden=16, dropout=0.0, epochs=2, batch_size=8, lr=1e-2,
                     seed=0, progress=False)


def togl_data():
    from topograph.data.synthetic_graphs import necklaces_dataset

    graphs = necklaces_dataset(num_samples=48, seed=3)
    return graphs[:40], graphs[40:]


def togl_model():
    from topograph.togl.models import GraphClassifier

    torch.manual_seed(0)
    # Coordinate-function embedding: with DeepSets the pairing of nearly tied values can
    # flip under rounding-level differences, a discrete change the comparison would see.
    return GraphClassifier(3, 2, conv="gcn", depth=1, togl_position=1, hidden=16,
                           num_filtrations=4, embedding="triangle")


def togl_config():
    from topograph.togl.train import TOGLTrainConfig

    # SGD: Adam would turn rounding noise in (near-)zero gradients into steps of
    # about lr, hiding what the test compares
    return TOGLTrainConfig(epochs=2, batch_size=8, lr=0.05, seed=0, progress=False,
                       restore_best=False, optimizer="sgd")


def run_case(task: str) -> dict:
    if task == "topoae":
        from topograph.topoae.train import train_autoencoder

        model = topoae_model()
        train_autoencoder(model, topoae_data(), None, topoae_config())
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    if task == "ect":
        from topograph.ect.train import fit

        x, y = ect_data()
        model = fit(x, y, 3, ect_config(), torch.device("cpu"))
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    if task == "togl":
        from topograph.togl.train import train_fold

        train, val = togl_data()
        model = togl_model()
        train_fold(model, train, val, val, togl_config())
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    raise ValueError(task)
