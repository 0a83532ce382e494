"""Ratio of the TopoAE loss to the reconstruction MSE on digits at several batch sizes.

Used for the `lam` / `reduction` guidance in docs/topoae.md:
`python benchmarks/topoae_loss_scale.py` (about 15 s of CPU).
"""

import numpy as np
import torch
from torch import nn
from topograph.data import load_digits
from topograph.nn import TopologicalSignatureLoss
from topograph.topoae import MLPAutoencoder

torch.set_num_threads(1)
X, _ = load_digits()
X = torch.as_tensor(X)
loss_sum, loss_mean = TopologicalSignatureLoss(), TopologicalSignatureLoss(reduction="mean")


def ratios(model, n, reps=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    rs, rm = [], []
    model.eval()
    with torch.no_grad():
        for _ in range(reps):
            idx = torch.randperm(len(X), generator=g)[:n]
            x = X[idx]
            z = model.encoder(x)
            mse = nn.functional.mse_loss(model.decoder(z), x).item()
            rs.append(loss_sum(x, z).item() / mse)
            rm.append(loss_mean(x, z).item() / mse)
    model.train()
    return np.median(rs), np.median(rm)


torch.manual_seed(0)
init = MLPAutoencoder(64, (32, 32), 2)
trained = MLPAutoencoder(64, (32, 32), 2)
opt = torch.optim.Adam(trained.parameters(), lr=1e-3)
for epoch in range(10):  # plain AE, 10 epochs of batch 64
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        x = X[perm[i:i + 64]]
        loss = nn.functional.mse_loss(trained(x), x)
        opt.zero_grad(); loss.backward(); opt.step()
print("batch | init: sum/mse mean/mse | AE after 10 epochs: sum/mse mean/mse")
for n in (16, 32, 64, 128, 256, 512):
    a, b = ratios(init, n)
    c, d = ratios(trained, n)
    print(f"{n:5d} | {a:8.2f} {b:8.3f} | {c:8.2f} {d:8.3f}")
