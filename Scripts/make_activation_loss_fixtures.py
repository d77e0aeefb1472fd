#!/usr/bin/env python3
"""Generates PyTorch fixtures for the activation functions and losses (run by hand; CI never
needs torch).

For each activation (gelu exact and tanh, silu, leaky_relu, elu, mish, hardtanh, softsign,
logsigmoid) it saves, in float64: the input, the output, the gradient of (output * c).sum() for
a fixed c, and the second derivative of that sum (the gradient of (grad * v).sum()). For each
loss (cross_entropy with weight, ignore_index and label smoothing; nll_loss with weight and
ignore_index; binary_cross_entropy; binary_cross_entropy_with_logits with pos_weight;
l1/smooth_l1/huber; kl_div) it saves the inputs, the loss under each reduction and the
gradient of the mean (or batchmean) loss. Writes Tests/NNTests/Fixtures/nn/activations_losses.safetensors.

    pip install torch safetensors
    python3 Scripts/make_activation_loss_fixtures.py
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn", "activations_losses.safetensors")
torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(7)
out = {}

# Activations: inputs away from 0 (the kinks of leaky_relu, elu and hardtanh's ±1).
x = torch.rand(3, 5, generator=g) * 6 - 3
x = torch.where(x.abs() < 0.05, x + 0.1, x)
x = torch.where((x.abs() - 1).abs() < 0.05, x + 0.1, x)
c = torch.rand(3, 5, generator=g) * 2 - 1
v = torch.rand(3, 5, generator=g) * 2 - 1
out["act.x"], out["act.c"], out["act.v"] = x, c, v
activations = {
    "gelu": lambda t: F.gelu(t),
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.1),
    "elu": lambda t: F.elu(t, 1.5),
    "mish": F.mish,
    "hardtanh": lambda t: F.hardtanh(t, -1.0, 1.0),
    "softsign": F.softsign,
    "logsigmoid": F.logsigmoid,
}
for name, f in activations.items():
    xi = x.clone().requires_grad_(True)
    y = f(xi)
    (gx,) = torch.autograd.grad((y * c).sum(), xi, create_graph=True)
    (hx,) = torch.autograd.grad((gx * v).sum(), xi, allow_unused=True)
    out[f"{name}.y"] = y.detach()
    out[f"{name}.grad"] = gx.detach()
    out[f"{name}.grad2"] = torch.zeros_like(x) if hx is None else hx
    print(f"{name}: max |y| {y.abs().max().item():.3f}")

# Classification losses.
logits = torch.randn(6, 4, generator=g)
targets = torch.tensor([1, 0, 3, -100, 2, 1])
weight = torch.tensor([0.5, 2.0, 1.0, 1.5])
out["cls.logits"], out["cls.targets"], out["cls.weight"] = logits, targets, weight
for name, kwargs in {
    "ce": dict(),
    "ce_w": dict(weight=weight),
    "ce_w_smooth": dict(weight=weight, label_smoothing=0.2),
    "ce_smooth": dict(label_smoothing=0.2),
}.items():
    for reduction in ["mean", "sum", "none"]:
        li = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(li, targets, reduction=reduction, **kwargs)
        out[f"{name}.{reduction}"] = loss.detach()
        if reduction == "mean":
            (gl,) = torch.autograd.grad(loss, li)
            out[f"{name}.grad"] = gl
logp = F.log_softmax(logits, dim=1)
for reduction in ["mean", "sum", "none"]:
    li = logp.clone().requires_grad_(True)
    loss = F.nll_loss(li, targets, weight=weight, reduction=reduction)
    out[f"nll_w.{reduction}"] = loss.detach()
    if reduction == "mean":
        out["nll_w.grad"] = torch.autograd.grad(loss, li)[0]
out["nll.logp"] = logp

# Binary and regression losses.
p = torch.rand(3, 4, generator=g) * 0.9 + 0.05
t = (torch.rand(3, 4, generator=g) > 0.5).double()
z = torch.randn(3, 4, generator=g) * 2
pos_weight = torch.tensor([1.0, 2.0, 0.5, 3.0])
out["bin.p"], out["bin.t"], out["bin.z"], out["bin.pos_weight"] = p, t, z, pos_weight
a = torch.randn(3, 4, generator=g) * 2
b = torch.randn(3, 4, generator=g) * 2
out["reg.a"], out["reg.b"] = a, b
losses = {
    "bce": (p, lambda i, r: F.binary_cross_entropy(i, t, reduction=r)),
    "bce_logits": (z, lambda i, r: F.binary_cross_entropy_with_logits(i, t, reduction=r)),
    "bce_logits_pw": (z, lambda i, r: F.binary_cross_entropy_with_logits(i, t, pos_weight=pos_weight, reduction=r)),
    "l1": (a, lambda i, r: F.l1_loss(i, b, reduction=r)),
    "smooth_l1": (a, lambda i, r: F.smooth_l1_loss(i, b, beta=0.7, reduction=r)),
    "huber": (a, lambda i, r: F.huber_loss(i, b, delta=1.3, reduction=r)),
}
for name, (inp, f) in losses.items():
    for reduction in ["mean", "sum", "none"]:
        ii = inp.clone().requires_grad_(True)
        loss = f(ii, reduction)
        out[f"{name}.{reduction}"] = loss.detach()
        if reduction == "mean":
            out[f"{name}.grad"] = torch.autograd.grad(loss, ii)[0]

# KL divergence: log-probabilities against probabilities with a zero, and log-targets.
q = F.log_softmax(torch.randn(3, 5, generator=g), dim=1)
target = F.softmax(torch.randn(3, 5, generator=g), dim=1)
target[0, 2] = 0
target[0] /= target[0].sum()
out["kl.input"], out["kl.target"] = q, target
for reduction in ["mean", "batchmean", "sum", "none"]:
    qi = q.clone().requires_grad_(True)
    loss = F.kl_div(qi, target, reduction=reduction)
    out[f"kl.{reduction}"] = loss.detach()
    if reduction == "batchmean":
        out["kl.grad"] = torch.autograd.grad(loss, qi)[0]
    qi = q.clone().requires_grad_(True)
    loss = F.kl_div(qi, torch.log(target + 1e-3), reduction=reduction, log_target=True)
    out[f"kl_log.{reduction}"] = loss.detach()
out["kl_log.target"] = torch.log(target + 1e-3)

save_file({k: v.contiguous() for k, v in out.items()}, OUT)
os.chmod(OUT, 0o644)
print(f"wrote {OUT} ({len(out)} tensors)")
