#!/usr/bin/env python3
"""Generates PyTorch fixtures for Normal, Bernoulli, Categorical's KL divergence and gradient
clipping (run by hand; CI never needs torch). Writes, in float64, the inputs, the values and the
gradients of the log-probabilities, entropies and KL divergences, and the gradients before and
after clip_grad_norm_ (2 and infinity norms) and clip_grad_value_, to
Tests/NNTests/Fixtures/nn/distributions.safetensors.

    pip install torch safetensors
    python3 Scripts/make_distribution_fixtures.py
"""
import os

import torch
from safetensors.torch import save_file
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn", "distributions.safetensors")
torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(21)
out = {}

loc = torch.randn(2, 3, generator=g)
scale = torch.rand(2, 3, generator=g) + 0.3
value = torch.randn(2, 3, generator=g)
loc2 = torch.randn(2, 3, generator=g)
scale2 = torch.rand(2, 3, generator=g) + 0.3
out.update({"normal.loc": loc, "normal.scale": scale, "normal.value": value, "normal.loc2": loc2, "normal.scale2": scale2})
l, s = loc.clone().requires_grad_(), scale.clone().requires_grad_()
p, q = Normal(l, s), Normal(loc2, scale2)
total = p.log_prob(value).sum() + 2 * p.entropy().sum() + 3 * kl_divergence(p, q).sum()
gl, gs = torch.autograd.grad(total, (l, s))
out.update({"normal.log_prob": p.log_prob(value).detach(), "normal.entropy": p.entropy().detach(),
            "normal.kl": kl_divergence(p, q).detach(), "normal.grad_loc": gl, "normal.grad_scale": gs})

logits = torch.randn(5, generator=g)
x = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
li = logits.clone().requires_grad_()
b = Bernoulli(logits=li)
total = b.log_prob(x).sum() + b.entropy().sum()
out.update({"bernoulli.logits": logits, "bernoulli.value": x, "bernoulli.log_prob": b.log_prob(x).detach(),
            "bernoulli.entropy": b.entropy().detach(), "bernoulli.grad": torch.autograd.grad(total, li)[0]})
probs = torch.rand(5, generator=g) * 0.8 + 0.1
bp = Bernoulli(probs=probs)
out.update({"bernoulli.probs": probs, "bernoulli.log_prob_probs": bp.log_prob(x), "bernoulli.entropy_probs": bp.entropy()})

a = torch.randn(3, 4, generator=g)
c = torch.randn(3, 4, generator=g)
ai = a.clone().requires_grad_()
kl = kl_divergence(Categorical(logits=ai), Categorical(logits=c))
out.update({"categorical.a": a, "categorical.c": c, "categorical.kl": kl.detach(),
            "categorical.grad": torch.autograd.grad(kl.sum(), ai)[0]})

grads = [torch.randn(3, 2, generator=g) * 3, torch.randn(4, generator=g)]
out.update({"clip.g0": grads[0], "clip.g1": grads[1]})
for name, norm_type, max_norm in [("norm2", 2.0, 1.5), ("norminf", float("inf"), 0.7), ("norm2_noop", 2.0, 100.0)]:
    params = [torch.zeros_like(t, requires_grad=True) for t in grads]
    for p_, t in zip(params, grads):
        p_.grad = t.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    out[f"clip.{name}.total"] = total.reshape([])
    out[f"clip.{name}.g0"], out[f"clip.{name}.g1"] = params[0].grad, params[1].grad
params = [torch.zeros_like(t, requires_grad=True) for t in grads]
for p_, t in zip(params, grads):
    p_.grad = t.clone()
torch.nn.utils.clip_grad_value_(params, 0.8)
out["clip.value.g0"], out["clip.value.g1"] = params[0].grad, params[1].grad

save_file({k: v.contiguous() for k, v in out.items()}, OUT)
os.chmod(OUT, 0o644)
print(f"wrote {OUT} ({len(out)} tensors)")
