"""Train a topological autoencoder on Spheres and compare it with a plain autoencoder.

    python examples/topoae_spheres.py            # ~1-2 minutes on a laptop CPU
"""
import torch

from topograph.data import Spheres
from topograph.nn import TopologicalSignatureLoss
from topograph.topoae.metrics import quality_measures
from topograph.topoae.models import TopologicallyRegularizedAutoencoder, spheres_autoencoder
from topograph.topoae.train import TopoAETrainConfig, embed, train_autoencoder

train, val, test = Spheres("train"), Spheres("validation"), Spheres("test")
cfg = TopoAETrainConfig(epochs=5, batch_size=28, lr=2.73e-4, seed=0)  # paper: up to 100 epochs

for lam in (0.43, 0.0):  # TopoAE (paper's lambda), then the plain AE
    torch.manual_seed(0)
    model = TopologicallyRegularizedAutoencoder.from_autoencoder(
        spheres_autoencoder(train.num_features), lam=lam, topo_loss=TopologicalSignatureLoss()
    )
    train_autoencoder(model, train.data, val.data, cfg)
    Z, X_hat = embed(model, test.data)
    m = quality_measures(test.data, Z, X_hat)
    name = "TopoAE" if lam else "AE"
    print(f"{name:6s} KL_0.01={m['kl_0.01']:.3f}  KL_0.1={m['kl_0.1']:.3f}  "
          f"trustworthiness={m['trustworthiness']:.3f}  recon MSE={m['recon_mse']:.3f}")

# The loss on its own: any input batch x [n, ...] and latent codes z [n, m].
loss_fn = TopologicalSignatureLoss()
x = test.data[:64]
z = torch.randn(64, 2, requires_grad=True)
loss, parts = loss_fn(x, z, return_parts=True)
loss.backward()
print(f"loss {loss.item():.3f} = L_XZ {parts['L_XZ'].item():.3f} + L_ZX {parts['L_ZX'].item():.3f}")
