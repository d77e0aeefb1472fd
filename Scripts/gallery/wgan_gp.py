#!/usr/bin/env python3
"""PyTorch twin of `swift run -c release wgan-gp`: the toy WGAN-GP of Gulrajani et al. 2017
(gan_toy.py, eight Gaussians) with the gallery's width and iteration count. Writes the same CSV
(step, critic_cost, wasserstein, generator_cost, modes, mean_distance, elapsed_seconds).

    python3 Scripts/gallery/wgan_gp.py --seed 0 --log /tmp/wgan-torch.csv --threads 2
"""
import argparse
import math
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=3000)
parser.add_argument("--hidden", type=int, default=128)
parser.add_argument("--critic-iters", type=int, default=5)
parser.add_argument("--lambda", dest="lam", type=float, default=0.1)
parser.add_argument("--batch-size", type=int, default=256)
parser.add_argument("--lr", type=float, default=1e-4)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--log-every", type=int, default=100)
parser.add_argument("--log")
parser.add_argument("--threads", type=int, default=2)
a = parser.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
s = math.sqrt(0.5)
centres = torch.tensor([(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)]) * 2 / 1.414


def batch(n):
    return centres[torch.randint(0, 8, (n,))] + torch.randn(n, 2) * 0.02 / 1.414


def mlp(out):
    net = nn.Sequential(nn.Linear(2, a.hidden), nn.ReLU(), nn.Linear(a.hidden, a.hidden), nn.ReLU(),
                        nn.Linear(a.hidden, a.hidden), nn.ReLU(), nn.Linear(a.hidden, out))
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def coverage(x):
    d = torch.cdist(x, centres)
    best, which = d.min(1)
    hits = torch.bincount(which[best < 0.1], minlength=8)
    return int((hits >= 0.01 * len(x)).sum()), best.mean().item()


G, D = mlp(2), mlp(1)
optD = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(0.5, 0.9))
optG = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(0.5, 0.9))
fixed = torch.randn(2500, 2)
rows, start = [], time.time()
for step in range(1, a.steps + 1):
    D.requires_grad_(True)
    for _ in range(a.critic_iters):
        real = batch(a.batch_size)
        optD.zero_grad()
        d_real = D(real).mean()
        with torch.no_grad():
            fake = G(torch.randn(a.batch_size, 2))
        d_fake = D(fake).mean()
        alpha = torch.rand(a.batch_size, 1)
        inter = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        g, = torch.autograd.grad(D(inter).view(-1), inter, torch.ones(a.batch_size), create_graph=True)
        penalty = ((g.norm(2, dim=1) - 1) ** 2).mean() * a.lam
        cost = d_fake - d_real + penalty
        cost.backward()
        optD.step()
    D.requires_grad_(False)
    optG.zero_grad()
    g_cost = -D(G(torch.randn(a.batch_size, 2))).mean()
    g_cost.backward()
    optG.step()
    if step % a.log_every == 0 or step == a.steps:
        with torch.no_grad():
            modes, dist = coverage(G(fixed))
        rows.append((step, cost.item(), (d_real - d_fake).item(), g_cost.item(), modes, dist, time.time() - start))
        print(f"iteration {step}: critic cost {rows[-1][1]:.4f}, Wasserstein estimate {rows[-1][2]:.4f}, "
              f"generator cost {rows[-1][3]:.4f}, modes {modes}/8, mean distance {dist:.4f}")
if a.log:
    with open(a.log, "w") as f:
        f.write("step,critic_cost,wasserstein,generator_cost,modes,mean_distance,elapsed_seconds\n")
        for r in rows:
            f.write(",".join(str(v) for v in r[:6]) + f",{r[6]:.3f}\n")
