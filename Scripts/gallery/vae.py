#!/usr/bin/env python3
"""PyTorch twin of `swift run -c release vae`: pytorch/examples vae/main.py, with MNIST read
from the repository's Data/MNIST (no torchvision needed) and the grids not saved. Writes the
same CSV (epoch, train_loss, test_loss, elapsed_seconds).

    python3 Scripts/gallery/vae.py --seed 1 --log /tmp/vae-torch.csv --threads 2
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--log-interval", type=int, default=10)
parser.add_argument("--log")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def images(name):
    with gzip.open(os.path.join(ROOT, "Data", "MNIST", name)) as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16)
    return torch.from_numpy(data.reshape(-1, 1, 28, 28).astype(np.float32) / 255)


train_x, test_x = images("train-images-idx3-ubyte.gz"), images("t10k-images-idx3-ubyte.gz")


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-3)


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    return bce + -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


rows, start = [], time.time()
for epoch in range(1, args.epochs + 1):
    model.train()
    train_loss, order = 0, torch.randperm(len(train_x))
    nbatches = (len(train_x) + args.batch_size - 1) // args.batch_size
    for batch_idx in range(nbatches):
        data = train_x[order[batch_idx * args.batch_size:(batch_idx + 1) * args.batch_size]]
        optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = loss_function(recon, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * args.batch_size}/{len(train_x)} "
                  f"({100. * batch_idx / nbatches:.0f}%)]\tLoss: {loss.item() / len(data):.6f}")
    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_x):.4f}")
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i in range(0, len(test_x), args.batch_size):
            data = test_x[i:i + args.batch_size]
            recon, mu, logvar = model(data)
            test_loss += loss_function(recon, data, mu, logvar).item()
    print(f"====> Test set loss: {test_loss / len(test_x):.4f}")
    rows.append((epoch, train_loss / len(train_x), test_loss / len(test_x), time.time() - start))
if args.log:
    with open(args.log, "w") as f:
        f.write("epoch,train_loss,test_loss,elapsed_seconds\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.3f}\n")
