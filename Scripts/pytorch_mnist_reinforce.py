#!/usr/bin/env python3
"""The original experiment's training loop in PyTorch, for side-by-side comparisons with
`mnist-reinforce` (peak memory, curves). Run by hand; CI never needs it.

    /usr/bin/time -v python3 Scripts/pytorch_mnist_reinforce.py --steps 100 --threads 2
"""
import argparse
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nn_fixtures import CNN  # noqa: E402  the experiment's CNN, one definition

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--fixed-batch", action="store_true")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Data", "MNIST")


def load(prefix):
    with gzip.open(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.tensor(x, dtype=torch.float32) / 255 - 0.1307) / 0.3081
    return x, torch.tensor(y, dtype=torch.int64)


class Policy(CNN):
    """The original's policy: the MNIST example CNN's logits through a softmax."""

    def forward(self, x):
        return F.softmax(super().forward(x), dim=1)


train_x, train_y = load("train")
test_x, test_y = load("t10k")
policy = Policy()
optimizer = torch.optim.Adam(policy.parameters())
loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(train_x, train_y), batch_size=args.batch_size,
    shuffle=not args.fixed_batch, drop_last=True)
batches = iter(loader)
scores = []
for step in range(1, args.steps + 1):
    if args.fixed_batch:
        x, y = train_x[: args.batch_size], train_y[: args.batch_size]
    else:
        try:
            x, y = next(batches)
        except StopIteration:
            batches = iter(loader)
            x, y = next(batches)
    m = Categorical(policy(x))
    a = m.sample()
    r = (a == y).float()
    loss = (-m.log_prob(a) * r).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scores.append(r.mean().item())
    if step % 20 == 0:
        print(f"step {step}, avg score {sum(scores[-20:]) / 20}")
policy.eval()
with torch.no_grad():
    accuracy = sum((policy(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum().item() for i in range(0, 10000, 1000)) / 10000
print(f"test accuracy {accuracy}")
