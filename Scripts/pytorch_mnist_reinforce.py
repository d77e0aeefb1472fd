#!/usr/bin/env python3
"""The original experiment's training loop in PyTorch, for side-by-side comparisons with
`mnist-reinforce` (peak memory, curves). Run by hand; CI never needs it.

    /usr/bin/time -v python3 Scripts/pytorch_mnist_reinforce.py --steps 100 --threads 2
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch.distributions import Categorical

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nn_fixtures import CNN  # noqa: E402  the experiment's CNN, one definition
from mnist_data import load  # noqa: E402  the shipped MNIST, one loader

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--fixed-batch", action="store_true")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


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
