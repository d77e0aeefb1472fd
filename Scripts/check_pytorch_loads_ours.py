#!/usr/bin/env python3
"""Checks by hand that a CNN checkpoint written by swift-autograd loads into PyTorch's twin with
safetensors.torch.load_file + load_state_dict (strict) and computes the same logits.

usage: check_pytorch_loads_ours.py MODEL.safetensors IO.safetensors   (IO holds x and y)
"""
import sys
import torch
from safetensors.torch import load_file
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from make_nn_fixtures import CNN  # noqa: E402

model = CNN()
model.load_state_dict(load_file(sys.argv[1]))
model.eval()
io = load_file(sys.argv[2])
with torch.no_grad():
    y = model(io["x"])
diff = (y - io["y"]).abs().max().item() / io["y"].abs().max().item()
print(f"loaded {len(model.state_dict())} tensors strictly; logits relative difference {diff:.2e}")
assert diff < 1e-5
