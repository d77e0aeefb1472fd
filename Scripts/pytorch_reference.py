#!/usr/bin/env python3
"""Runs swift-autograd's benchmark, then the same workloads in PyTorch (and numpy's sgemm) with
the same thread count, and prints both side by side with ratios. Run by hand; CI never needs it.

    swift build -c release --product benchmark
    python3 Scripts/pytorch_reference.py --threads 2

Workloads (batch 128): one REINFORCE training step of the original MNIST CNN and of an MLP
784-128-10 (forward, Categorical sample, −log π(a)·r mean, backward, Adam step), conv2d forward
and backward at the CNN's two layers, the newer workloads of benchmark's --workloads (LSTM and
Transformer language-model steps, a causal self-attention step, per-op overhead, float64 GEMM
against numpy's dgemm), and float32 GEMM at 1024³ (numpy/OpenBLAS, with
OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed for this process so OpenBLAS picks its best kernel).
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--bench", default=".build/release/benchmark")
args = parser.parse_args()

env = dict(os.environ, AUTOGRAD_NUM_THREADS=str(args.threads))
ours = json.loads(subprocess.check_output([args.bench, "--threads", str(args.threads), "--steps", str(args.steps), "--json"], env=env))

for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(var, None)
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)


def timed(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


a = np.random.rand(1024, 1024).astype(np.float32)
b = np.random.rand(1024, 1024).astype(np.float32)
numpy_gflops = 2 * 1024**3 / timed(lambda: a @ b, 10) / 1e6


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nn_fixtures import CNN as LogitsCNN  # noqa: E402  the experiment's CNN, one definition


class CNN(LogitsCNN):
    """The policy: the CNN's logits through a softmax, as in the original script."""

    def forward(self, x):
        return F.softmax(super().forward(x), dim=1)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(torch.flatten(x, 1)))), dim=1)


def step_time(model):
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(128, 1, 28, 28)
    y = torch.arange(128) % 10

    def step():
        m = torch.distributions.Categorical(model(x))
        a = m.sample()
        r = (a == y).float()
        loss = (-m.log_prob(a) * r).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return timed(step, args.steps)


theirs = {"cnn": step_time(CNN()), "mlp": step_time(MLP())}
conv = {}
for name, c, o, size in [("conv1", 1, 32, 28), ("conv2", 32, 64, 26)]:
    x = torch.randn(128, c, size, size, requires_grad=True)
    w = (torch.randn(o, c, 3, 3) * 0.1).requires_grad_()
    bias = torch.zeros(o, requires_grad=True)
    with torch.no_grad():
        fwd = timed(lambda: F.conv2d(x, w, bias), 10)
    y = F.conv2d(x, w, bias)
    g = torch.ones_like(y)
    bwd = timed(lambda: y.backward(g, retain_graph=True), 10)
    conv[name] = (fwd, bwd)

# The newer workloads, defined as in Sources/Examples/benchmark/Workloads.swift.
g = torch.Generator().manual_seed(3)
lm_data = torch.randint(0, 10000, (35, 20), generator=g)
lm_targets = torch.randint(0, 10000, (700,), generator=g)


def lm_step_time(body_modules, body):
    torch.manual_seed(0)
    encoder, decoder = nn.Embedding(10000, 200), nn.Linear(200, 10000)
    params = list(encoder.parameters()) + [p for m in body_modules for p in m.parameters()] + list(decoder.parameters())
    opt = torch.optim.SGD(params, lr=20)

    def step():
        opt.zero_grad()
        out = F.log_softmax(decoder(body(encoder(lm_data))).view(-1, 10000), dim=1)
        F.nll_loss(out, lm_targets).backward()
        torch.nn.utils.clip_grad_norm_(params, 0.25)
        opt.step()
    return timed(step, args.steps)


lstm, drop = nn.LSTM(200, 200, 2, dropout=0.2), nn.Dropout(0.2)
workloads = {"lstm_lm_step": lm_step_time([lstm], lambda x: drop(lstm(drop(x))[0]))}
blocks = nn.TransformerEncoder(nn.TransformerEncoderLayer(200, 2, 200, 0.2), 2, enable_nested_tensor=False)
causal = nn.Transformer.generate_square_subsequent_mask(35)
workloads["transformer_lm_step"] = lm_step_time([blocks], lambda x: blocks(x * math.sqrt(200), mask=causal, is_causal=True))
attention = nn.MultiheadAttention(128, 4, batch_first=True)
att_opt = torch.optim.SGD(attention.parameters(), lr=0.01)
att_x = torch.randn(32, 64, 128, generator=g)
att_mask = nn.Transformer.generate_square_subsequent_mask(64)


def attention_step():
    att_opt.zero_grad()
    y, _ = attention(att_x, att_x, att_x, need_weights=False, attn_mask=att_mask, is_causal=True)
    y.pow(2).mean().backward()
    att_opt.step()


workloads["attention_step"] = timed(attention_step, args.steps)
tiny = torch.randn(16, requires_grad=True)


def overhead():
    y = tiny
    for _ in range(5000):
        y = y * 1.0001
        y = y + 0.001
    y.sum().backward()
    tiny.grad = None


workloads["op_overhead"] = timed(overhead, max(3, args.steps // 4))
a64, b64 = np.random.rand(1024, 1024), np.random.rand(1024, 1024)
numpy_dgemm_gflops = 2 * 1024**3 / timed(lambda: a64 @ b64, 5) / 1e6

rows = []
square = next((g for g in ours.get("gemm", []) if g["name"].startswith("square")), None)
if square:
    rows.append(("GEMM 1024³ GFLOPS (vs numpy/OpenBLAS)", square["gflops"], numpy_gflops, square["gflops"] / numpy_gflops))
for c in ours["conv2d"]:
    f, b = conv[c["name"]]
    rows.append((f"{c['name']} forward ms", c["forward_ms"], f, f / c["forward_ms"]))
    rows.append((f"{c['name']} backward ms", c["backward_ms"], b, b / c["backward_ms"]))
for t in ours["training"]:
    ms = theirs[t["model"]]
    rows.append((f"{t['model'].upper()} training step images/s", t["images_per_s"], 128000 / ms, t["images_per_s"] / (128000 / ms)))
for w in ours.get("workloads", []):
    name, ms = w["name"], w["median_ms"]
    if name == "gemm_f64_1024":
        gf = 2 * 1024**3 / ms / 1e6
        rows.append(("float64 GEMM 1024³ GFLOPS (vs numpy dgemm)", gf, numpy_dgemm_gflops, gf / numpy_dgemm_gflops))
    elif name == "op_overhead":
        rows.append(("per-op overhead, µs per tiny op (fwd + bwd)", ms / 10, workloads[name] / 10, workloads[name] / ms))
    else:
        rows.append((f"{name} ms", ms, workloads[name], workloads[name] / ms))
print(f"threads: {args.threads}, torch {torch.__version__}, numpy {np.__version__}")
print(f"| workload | swift-autograd | PyTorch/numpy | speed ratio (ours ÷ theirs, >1 = faster) |")
print("| --- | --- | --- | --- |")
for name, x, y, ratio in rows:
    print(f"| {name} | {x:.1f} | {y:.1f} | {ratio:.2f}× |")
print(f"| peak RSS of the benchmark process, MB | {ours['peak_rss_bytes'] / 1e6:.0f} | {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} | |")
