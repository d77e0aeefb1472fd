#!/usr/bin/env python3
"""Side-by-side sgemm GFLOPS: the Swift kernel (gemm-bench) against numpy/OpenBLAS.

Runs the Swift benchmark executable first (it prints one tab-separated row per shape:
name, m, n, k, GFLOPS; names end in the transpose code NN/NT/TN), then times numpy's float32
matmul on exactly the same shapes and transposes, and prints both with their ratio.

    python3 Scripts/gemm_reference.py --threads 2 --bench .build/release/gemm-bench

Both sides use the same thread count (AUTOGRAD_NUM_THREADS and OPENBLAS_NUM_THREADS).
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this machine may set to work around old OpenBLAS
bugs, are removed for this process so that OpenBLAS picks its best kernel for the CPU; pass
--coretype Haswell to compare against OpenBLAS's AVX2 kernel instead.
Without --bench only numpy is measured, on the built-in copy of the shapes.

In this repository the Swift side is the `benchmark` executable, whose GEMM shapes are in
Sources/Examples/benchmark/GEMMBenchmark.swift; Scripts/pytorch_reference.py compares it with
numpy and PyTorch in one run. This script's --bench mode expects a gemm-bench style binary that
prints tab-separated rows (name, m, n, k, GFLOPS); without --bench it times numpy alone.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

IMAGES_PER_TILE = 16

# (name, m, n, k): the same shapes as GEMMBenchmark.swift.
SHAPES = [
    ("square NN", 1024, 1024, 1024),
    ("fc.fwd x·Wᵀ NT", 128, 128, 9216),
    ("fc.dX dY·W NN", 128, 9216, 128),
    ("fc.dW dYᵀ·x TN", 128, 9216, 128),
    ("conv2.fwd W·cols NN", 64, 576 * IMAGES_PER_TILE, 288),
    ("conv2.dW dY·colsᵀ NT", 64, 288, 576 * IMAGES_PER_TILE),
    ("conv2.dCols Wᵀ·dY TN", 288, 576 * IMAGES_PER_TILE, 64),
    ("conv1.fwd W·cols NN", 32, 676 * IMAGES_PER_TILE, 9),
    ("conv1.dW dY·colsᵀ NT", 32, 9, 676 * IMAGES_PER_TILE),
    ("conv2.fwd/img NN", 64, 576, 288),
    ("conv2.dW/img NT", 64, 288, 576),
    ("conv2.dCols/img TN", 288, 576, 64),
    ("conv1.fwd/img NN", 32, 676, 9),
    ("conv1.dW/img NT", 32, 9, 676),
    ("mlp.fwd x·Wᵀ NT", 128, 128, 784),
    ("mlp.dX dY·W NN", 128, 784, 128),
    ("mlp.dW dYᵀ·x TN", 128, 784, 128),
    ("mlp.out x·Wᵀ NT", 128, 10, 128),
    ("lm.dec x·Wᵀ NT", 700, 10_000, 200),
    ("lm.dec.dX dY·W NN", 700, 200, 10_000),
    ("lm.dec.dW dYᵀ·x TN", 10_000, 200, 700),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for both sides")
    parser.add_argument("--bench", help="path of the Swift gemm-bench executable")
    parser.add_argument("--coretype", help="OPENBLAS_CORETYPE to force (default: autodetect)")
    return parser.parse_args()


def run_swift(bench, threads):
    env = dict(os.environ, AUTOGRAD_NUM_THREADS=str(threads))
    output = subprocess.run([bench], env=env, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in output.splitlines():
        if not line or line.startswith("#"):
            continue
        name, m, n, k, gflops = line.split("\t")
        rows.append((name, int(m), int(n), int(k), float(gflops)))
    return rows


def numpy_gflops(np, name, m, n, k):
    trans = name.split()[-1]
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (k, m) if trans[0] == "T" else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if trans[1] == "T" else (k, n)).astype(np.float32)
    op_a = a.T if trans[0] == "T" else a
    op_b = b.T if trans[1] == "T" else b
    c = np.empty((m, n), dtype=np.float32)

    def once():
        start = time.perf_counter()
        np.matmul(op_a, op_b, out=c)
        return time.perf_counter() - start

    first = once()
    once()
    reps = max(5, min(2000, int(0.5 / max(first, 1e-7))))
    median = statistics.median(once() for _ in range(reps))
    return 2.0 * m * n * k / median / 1e9


def main():
    args = parse_args()
    # Configure OpenBLAS for this process only, before numpy loads it.
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.pop("OPENBLAS_L2_SIZE", None)
    if args.coretype:
        os.environ["OPENBLAS_CORETYPE"] = args.coretype
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    ours = run_swift(args.bench, args.threads) if args.bench else None
    import numpy as np

    shapes = [row[:4] for row in ours] if ours else SHAPES
    coretype = args.coretype or "autodetected"
    print(f"threads {args.threads}, numpy {np.__version__}, OpenBLAS coretype {coretype}")
    print(f"{'shape':24} {'m':>5} {'n':>6} {'k':>6} {'ours':>8} {'numpy':>8} {'ratio':>6}")
    for index, (name, m, n, k) in enumerate(shapes):
        theirs = numpy_gflops(np, name, m, n, k)
        if ours:
            mine = ours[index][4]
            print(f"{name:24} {m:5} {n:6} {k:6} {mine:8.1f} {theirs:8.1f} {mine / theirs:6.2f}")
        else:
            print(f"{name:24} {m:5} {n:6} {k:6} {'-':>8} {theirs:8.1f} {'-':>6}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
