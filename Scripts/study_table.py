#!/usr/bin/env python3
"""Prints the Markdown tables of Documentation/REINFORCE-vs-CrossEntropy.md from the CSV logs
that Scripts/run_study.sh writes to Documentation/study/."""
import csv
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Documentation", "study")


def read(name):
    with open(os.path.join(root, name)) as f:
        rows = list(csv.DictReader(f))
    scores = {int(r["step"]): float(r["score"]) for r in rows if r["score"]}
    accuracy = {int(r["step"]): float(r["test_accuracy"]) for r in rows if r["test_accuracy"]}
    seconds = max(float(r["elapsed_seconds"]) for r in rows)
    return scores, accuracy, seconds


def plateaus(scores, tolerance=0.01, length=200):
    """Stretches of at least `length` steps over which the 20-step score moves by < tolerance."""
    steps = sorted(scores)
    found, start = [], 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or abs(scores[steps[i]] - scores[steps[start]]) >= tolerance:
            if steps[i - 1] - steps[start] >= length:
                found.append(f"{scores[steps[start]]:.3f} (steps {steps[start]}–{steps[i - 1]})")
            start = i
    return "; ".join(found) or "none"


print("| run | score @20 | @500 | @1000 | @3000 | plateaus (score, steps) | test acc. | seconds |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for seed in range(3):
    s, a, t = read(f"fixed-seed{seed}.csv")
    print(f"| fixed batch, seed {seed} | {s[20]:.3f} | {s[500]:.3f} | {s[1000]:.3f} | {s[3000]:.3f} | {plateaus(s)} | {a[3000]:.3f} | {t:.0f} |")
print()
print("| objective (2,000 shuffled steps, seed 0) | train score, last 20 steps | test accuracy @500 | @1000 | @2000 | seconds |")
print("| --- | --- | --- | --- | --- | --- |")
for name, label in [("reinforce", "REINFORCE"), ("reinforce-baseline", "REINFORCE + mean baseline"), ("cross-entropy", "cross-entropy")]:
    s, a, t = read(f"shuffled-{name}.csv")
    print(f"| {label} | {s[2000]:.3f} | {a[500]:.3f} | {a[1000]:.3f} | {a[2000]:.4f} | {t:.0f} |")
