#!/usr/bin/env python3
"""Generates PyTorch fixtures for BatchNorm1d, BatchNorm2d, LayerNorm, Embedding, GroupNorm,
AvgPool2d and AdaptiveAvgPool2d (run by
hand; CI never needs torch).

For each layer, in float32 with PyTorch's default initialisation under a seed, it saves the
state_dict (keys prefixed `<case>.init.`), an input, the training-mode output, the gradients of
(output * c).sum() with respect to the input and each parameter, the state_dict after that one
training step (running statistics and num_batches_tracked, prefixed `<case>.after.`), and the
evaluation-mode output on the same input. Writes Tests/NNTests/Fixtures/nn/normalization.safetensors.

    pip install torch safetensors
    python3 Scripts/make_normalization_fixtures.py
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn", "normalization.safetensors")
torch.manual_seed(11)
out = {}


def record(name, layer, x, randomise=True):
    if randomise:  # non-trivial affine parameters and running statistics
        with torch.no_grad():
            for key, t in layer.state_dict().items():
                if key.endswith("weight") or key.endswith("bias"):
                    t.copy_(torch.randn_like(t) * 0.5 + (1 if key.endswith("weight") else 0))
                if key.endswith("running_mean"):
                    t.copy_(torch.randn_like(t) * 0.1)
                if key.endswith("running_var"):
                    t.copy_(torch.rand_like(t) + 0.5)
    for key, t in layer.state_dict().items():
        out[f"{name}.init.{key}"] = t.clone()
    layer.train()
    xi = x.clone().requires_grad_(x.dtype.is_floating_point)
    y = layer(xi)
    c = torch.randn_like(y)
    (y * c).sum().backward()
    out[f"{name}.x"], out[f"{name}.c"], out[f"{name}.y"] = x, c, y.detach()
    if x.dtype.is_floating_point:
        out[f"{name}.grad.input"] = xi.grad
    for key, p in layer.named_parameters():
        out[f"{name}.grad.{key}"] = p.grad
    for key, t in layer.state_dict().items():
        out[f"{name}.after.{key}"] = t.clone()
    layer.eval()
    with torch.no_grad():
        out[f"{name}.eval"] = layer(x)


record("bn1d", nn.BatchNorm1d(3), torch.randn(6, 3) * 2 + 1)
record("bn1d_seq", nn.BatchNorm1d(3, momentum=None), torch.randn(4, 3, 5))
record("bn2d", nn.BatchNorm2d(2), torch.randn(3, 2, 4, 4) * 1.5 - 0.5)
record("ln", nn.LayerNorm([4, 3]), torch.randn(2, 5, 4, 3))
record("emb", nn.Embedding(6, 3, padding_idx=2), torch.tensor([[1, 2, 5], [2, 0, 1]]), randomise=False)
record("gn", nn.GroupNorm(2, 4), torch.randn(3, 4, 3, 2))
record("avg", nn.AvgPool2d(3, stride=2, padding=1), torch.randn(2, 2, 7, 6), randomise=False)
record("adaptive", nn.AdaptiveAvgPool2d((3, 2)), torch.randn(2, 3, 7, 5), randomise=False)
save_file({k: v.contiguous() for k, v in out.items()}, OUT)
os.chmod(OUT, 0o644)
print(f"wrote {OUT} ({len(out)} tensors)")
