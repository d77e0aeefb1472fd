"""The shipped MNIST (Data/MNIST) as normalised PyTorch tensors, for the PyTorch twins.

`load("train")` or `load("t10k")` returns images [N, 1, 28, 28] float32, normalised with the
experiment's mean 0.1307 and sd 0.3081, and labels [N] int64.
"""
import gzip
import os

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Data", "MNIST")


def load(prefix):
    with gzip.open(os.path.join(ROOT, f"{prefix}-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(ROOT, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.tensor(x, dtype=torch.float32) / 255 - 0.1307) / 0.3081
    return x, torch.tensor(y, dtype=torch.int64)
