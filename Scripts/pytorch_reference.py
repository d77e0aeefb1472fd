#!/usr/bin/env python3
"""Runs swift-autograd's benchmark, then the same workloads in PyTorch (and numpy's sgemm) with
the same thread count, and prints both side by side with ratios. Run by hand; CI never needs it.

    swift build -c release
    python3 Scripts/pytorch_reference.py --threads 2 --runs 5

With --runs N the two are interleaved N times (ours, then theirs, then ours…), since the
machine's speed drifts between periods; the table gives each side's median and the median and
range of the N pairwise ratios. Each run also gives our throughputs as a share of the FP32 FMA
peak the benchmark measures. The PyTorch CNN step is its fastest idiomatic form,
`Categorical(logits=…)` on real MNIST batches; ours is the original's softmax-probabilities
form. Finally the peak RSS of a 100-step mnist-reinforce run is compared with its PyTorch twin's
(Scripts/pytorch_mnist_reinforce.py).

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
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--runs", type=int, default=1, help="interleaved pairs of runs")
parser.add_argument("--bench", default=".build/release/benchmark")
args = parser.parse_args()

env = dict(os.environ, AUTOGRAD_NUM_THREADS=str(args.threads))


def run_ours():
    return json.loads(subprocess.check_output([args.bench, "--threads", str(args.threads), "--steps", str(args.steps), "--json"], env=env))


def experiment_rss():
    """Peak RSS (MB) of a 100-step mnist-reinforce run and of its PyTorch twin, as child processes.

    Called before this script imports numpy or torch: a child's peak RSS counts the parent's
    pages it was forked with, before its exec."""
    def peak(cmd):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
        _, _, usage = os.wait4(proc.pid, 0)
        return usage.ru_maxrss / 1e3
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ours = peak([os.path.join(os.path.dirname(args.bench), "mnist-reinforce"), "--steps", "100",
                 "--threads", str(args.threads)])
    theirs = peak([sys.executable, os.path.join(root, "Scripts", "pytorch_mnist_reinforce.py"), "--steps", "100",
                   "--threads", str(args.threads)])
    return ours, theirs


experiment_peak_rss = experiment_rss()

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


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nn_fixtures import CNN as LogitsCNN  # noqa: E402  the experiment's CNN, one definition
from mnist_data import load  # noqa: E402  the shipped MNIST, one loader


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


mnist_x, mnist_y = load("train")
batch_x, batch_y = mnist_x[:128].contiguous(), mnist_y[:128].contiguous()



def run_theirs():
    """One run of every PyTorch/numpy workload: a dict of the figures the table needs."""
    a = np.random.rand(1024, 1024).astype(np.float32)
    b = np.random.rand(1024, 1024).astype(np.float32)
    numpy_gflops = 2 * 1024**3 / timed(lambda: a @ b, 10) / 1e6


    def step_time(model):
        opt = torch.optim.Adam(model.parameters())
        x, y = batch_x, batch_y

        def step():
            m = torch.distributions.Categorical(logits=model(x))
            a = m.sample()
            r = (a == y).float()
            loss = (-m.log_prob(a) * r).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()

        return timed(step, args.steps)


    theirs = {"cnn": step_time(LogitsCNN()), "mlp": step_time(MLP())}
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

    return dict(numpy_gflops=numpy_gflops, theirs=theirs, conv=conv, workloads=workloads,
                numpy_dgemm_gflops=numpy_dgemm_gflops)


def table_rows(ours, t):
    """(name, ours, theirs, ratio, ours as % of the FMA peak or None) for one pair of runs."""
    peak = ours["fma_peak_gflops"]
    rows = []
    square = next((g for g in ours.get("gemm", []) if g["name"].startswith("square")), None)
    if square:
        rows.append(("GEMM 1024³ GFLOPS (vs numpy/OpenBLAS)", square["gflops"], t["numpy_gflops"],
                     square["gflops"] / t["numpy_gflops"], 100 * square["gflops"] / peak))
    for c in ours["conv2d"]:
        f, b = t["conv"][c["name"]]
        rows.append((f"{c['name']} forward ms", c["forward_ms"], f, f / c["forward_ms"], None))
        rows.append((f"{c['name']} backward ms", c["backward_ms"], b, b / c["backward_ms"], None))
    for step in ours["training"]:
        ms = t["theirs"][step["model"]]
        rows.append((f"{step['model'].upper()} training step images/s", step["images_per_s"], 128000 / ms,
                     step["images_per_s"] / (128000 / ms), step["percent_of_peak"]))
    for w in ours.get("workloads", []):
        name, ms = w["name"], w["median_ms"]
        theirs = t["workloads"].get(name)
        if name == "gemm_f64_1024":
            gf = 2 * 1024**3 / ms / 1e6
            rows.append(("float64 GEMM 1024³ GFLOPS (vs numpy dgemm)", gf, t["numpy_dgemm_gflops"],
                         gf / t["numpy_dgemm_gflops"], w["percent_of_peak"]))
        elif name == "op_overhead":
            rows.append(("per-op overhead, µs per tiny op (fwd + bwd)", ms / 10, theirs / 10, theirs / ms, None))
        else:
            rows.append((f"{name} ms", ms, theirs, theirs / ms, None))
    return rows


runs, peaks = [], []
for run in range(args.runs):
    ours = run_ours()
    peaks.append(ours["fma_peak_gflops"])
    runs.append(table_rows(ours, run_theirs()))
    print(f"run {run + 1}/{args.runs}: FMA peak {ours['fma_peak_gflops']:.0f} GFLOPS", file=sys.stderr)
print(f"threads: {args.threads}, torch {torch.__version__}, numpy {np.__version__}, {args.runs} interleaved run(s); "
      f"FP32 FMA peak measured by the benchmark: {statistics.median(peaks):.0f} GFLOPS "
      f"(median; range {min(peaks):.0f}–{max(peaks):.0f})")
print("| workload | swift-autograd (median) | PyTorch/numpy (median) | speed ratio, median [range] (>1 = ours faster) | ours, % of FMA peak |")
print("| --- | --- | --- | --- | --- |")
for i, first in enumerate(runs[0]):
    column = [r[i] for r in runs]
    ratios = [c[3] for c in column]
    share = [c[4] for c in column if c[4] is not None]
    share_text = f"{statistics.median(share):.0f} %" if share else ""
    print(f"| {first[0]} | {statistics.median(c[1] for c in column):.1f} | {statistics.median(c[2] for c in column):.1f} | "
          f"{statistics.median(ratios):.2f}× [{min(ratios):.2f}–{max(ratios):.2f}] | {share_text} |")
ours_rss, theirs_rss = experiment_peak_rss
print(f"| peak RSS of a 100-step mnist-reinforce run, MB | {ours_rss:.0f} | {theirs_rss:.0f} | {theirs_rss / ours_rss:.2f}× smaller | |")
