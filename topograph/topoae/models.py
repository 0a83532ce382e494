"""Autoencoders of the topological autoencoder paper and a wrapper adding the
topological term to any encoder / decoder pair."""
from __future__ import annotations

from typing import Callable, Sequence

from torch import Tensor, nn

from topograph.core.validation import check_matches_parameters
from topograph.topoae.loss import TopologicalSignatureLoss


def _mlp(dims: Sequence[int], batch_norm: bool) -> nn.Sequential:
    """Linear(-BatchNorm)-ReLU blocks between ``dims``, a plain Linear at the end."""
    layers: list[nn.Module] = []
    for a, b in zip(dims[:-2], dims[1:-1]):
        layers.append(nn.Linear(a, b))
        if batch_norm:
            layers.append(nn.BatchNorm1d(b))
        layers.append(nn.ReLU())
    layers.append(nn.Linear(dims[-2], dims[-1]))
    return nn.Sequential(nn.Flatten(), *layers)


class MLPAutoencoder(nn.Module):
    """MLP encoder ``input_dim - hidden... - latent_dim`` with a mirrored decoder.

    Hidden layers are Linear-BatchNorm-ReLU (paper). Inputs of any shape
    ``[n, ...]`` are flattened; the decoder returns ``[n, input_dim]``.
    """

    def __init__(self, input_dim: int, hidden: Sequence[int] = (32, 32), latent_dim: int = 2,
                 batch_norm: bool = True) -> None:
        super().__init__()
        if input_dim < 1 or latent_dim < 1:
            raise ValueError("input_dim and latent_dim must be positive")
        dims = [int(input_dim), *map(int, hidden), int(latent_dim)]
        self.input_dim, self.latent_dim = int(input_dim), int(latent_dim)
        self.encoder = _mlp(dims, batch_norm)
        self.decoder = _mlp(dims[::-1], batch_norm)

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        check_matches_parameters(x, self)
        return self.decoder(self.encoder(x))


def spheres_autoencoder(input_dim: int = 101, latent_dim: int = 2) -> MLPAutoencoder:
    """The paper's Spheres architecture: ``input_dim - 32 - 32 - 2`` (mirrored decoder)."""
    return MLPAutoencoder(input_dim, (32, 32), latent_dim)


def image_autoencoder(input_dim: int = 784, latent_dim: int = 2) -> MLPAutoencoder:
    """The paper's deeper image MLP: ``D - 1000 - 500 - 250 - 2`` (mirrored decoder)."""
    return MLPAutoencoder(input_dim, (1000, 500, 250), latent_dim)


class LinearAutoencoder(MLPAutoencoder):
    """Shallow, PCA-like autoencoder: one linear map each way (no hidden layer)."""

    def __init__(self, input_dim: int, latent_dim: int = 2) -> None:
        super().__init__(input_dim, (), latent_dim, batch_norm=False)


class TopologicallyRegularizedAutoencoder(nn.Module):
    """``loss = reconstruction + lam * topological signature loss(x, encoder(x))``.

    Works with any ``encoder`` / ``decoder`` modules (the decoder output must
    have the shape of ``x`` or of its flattened rows). ``forward(x)`` returns
    ``(loss, parts)`` with the detached scalar tensors ``recon``, ``topo``,
    ``L_XZ``, ``L_ZX`` for logging. With ``lam == 0`` the topological term is skipped (plain AE).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, lam: float = 1.0,
                 topo_loss: TopologicalSignatureLoss | None = None,
                 recon_loss: Callable[[Tensor, Tensor], Tensor] | None = None) -> None:
        super().__init__()
        if lam < 0:
            raise ValueError("lam must be >= 0")
        self.encoder, self.decoder, self.lam = encoder, decoder, float(lam)
        self.topo_loss = topo_loss if topo_loss is not None else TopologicalSignatureLoss()
        self.recon_loss = recon_loss if recon_loss is not None else nn.functional.mse_loss

    @classmethod
    def from_autoencoder(cls, ae: nn.Module, lam: float = 1.0, **kwargs) -> "TopologicallyRegularizedAutoencoder":
        """Wrap a module with ``encoder`` and ``decoder`` attributes (e.g. :class:`MLPAutoencoder`)."""
        return cls(ae.encoder, ae.decoder, lam, **kwargs)

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def forward(self, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        check_matches_parameters(x, self)
        z = self.encoder(x)
        x_hat = self.decoder(z)
        target = x if x_hat.shape == x.shape else x.reshape(x_hat.shape)
        recon = self.recon_loss(x_hat, target)
        parts = {"recon": recon.detach()}
        if self.lam == 0:
            return recon, parts
        topo, tp = self.topo_loss(x, z, return_parts=True)
        parts.update(topo=topo.detach(), L_XZ=tp["L_XZ"], L_ZX=tp["L_ZX"])  # parts come detached
        return (recon + topo if self.lam == 1 else recon + self.lam * topo), parts
