#!/usr/bin/env python3
"""Generates the PyTorch fidelity fixtures for the NN tests (run by hand; CI never needs torch).

For the MNIST CNN of the original experiment and an MLP 784-128-10, on the first 8 training
images, it saves as safetensors: the initial weights, the input batch, fixed actions, rewards and
targets, the logits, the REINFORCE loss (fixed actions) and the cross-entropy loss, every
parameter's gradient under both losses, and the parameters after 1 and 5 steps of Adam and of
SGD with momentum 0.9 and Nesterov (each step on the REINFORCE loss of the same batch).
Dropout is off (eval mode) so that the forward is deterministic.

    pip install torch safetensors numpy
    python3 Scripts/make_nn_fixtures.py
"""
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn")
MNIST = os.path.join(ROOT, "Data", "MNIST")
if not os.path.exists(os.path.join(MNIST, "train-images-idx3-ubyte.gz")):
    MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist")


class CNN(nn.Module):
    """The PyTorch MNIST example CNN used by the original experiment."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return self.fc2(x)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def load_batch(n=8):
    with gzip.open(os.path.join(MNIST, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784].reshape(n, 1, 28, 28)
    with gzip.open(os.path.join(MNIST, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    x = (torch.tensor(images, dtype=torch.float32) / 255 - 0.1307) / 0.3081
    return x, torch.tensor(labels, dtype=torch.int64)


def reinforce_loss(logits, actions, rewards):
    probs = F.softmax(logits, dim=1)
    m = torch.distributions.Categorical(probs)
    return (-m.log_prob(actions) * rewards).mean()


def make(name, build, seed):
    torch.manual_seed(seed)
    model = build()
    model.eval()
    x, targets = load_batch()
    actions = targets.clone()
    actions[1::2] = (targets[1::2] + 1) % 10
    rewards = (actions == targets).float()
    out = {"input": x, "targets": targets, "actions": actions, "rewards": rewards}
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out.update({"init." + k: v for k, v in init.items()})

    logits = model(x)
    out["logits"] = logits.detach().clone()
    for loss_name, loss in [
        ("reinforce", reinforce_loss(logits, actions, rewards)),
        ("ce", F.cross_entropy(logits, targets)),
    ]:
        model.zero_grad()
        loss.backward(retain_graph=True)
        out["loss." + loss_name] = loss.detach().reshape(())
        for k, p in model.named_parameters():
            out[f"grad.{loss_name}.{k}"] = p.grad.detach().clone()

    for opt_name, make_opt in [
        ("adam", lambda ps: torch.optim.Adam(ps)),
        ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True)),
    ]:
        model.load_state_dict(init)
        opt = make_opt(model.parameters())
        for step in range(1, 6):
            opt.zero_grad()
            reinforce_loss(model(x), actions, rewards).backward()
            opt.step()
            if step in (1, 5):
                for k, p in model.named_parameters():
                    out[f"{opt_name}.{step}.{k}"] = p.detach().clone()

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(out)} tensors)")


if __name__ == "__main__":
    torch.set_num_threads(1)
    make("mlp", mlp, 0)
    make("cnn", CNN, 0)
