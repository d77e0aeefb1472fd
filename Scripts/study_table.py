#!/usr/bin/env python3
"""Turns the study's committed logs (Documentation/study/{mlp,cnn}/, written by
Scripts/run_study.sh) into the tables of Documentation/REINFORCE-vs-CrossEntropy.md.

Prints every table; with --write, also puts each between its markers `<!-- study:NAME -->` and
`<!-- /study:NAME -->` in the doc. Needs only the standard library.

Definitions (fixed before the runs, the same for every setting and framework):
- score: the mean reward over the 20 steps before a report (the original's "avg score").
- plateau: a maximal stretch of at least 300 steps over which the 100-step mean score (the
  mean of five consecutive reports) stays below 0.97 and its error rate 1 − score stays within
  a factor of 1.2 (max/min ≤ 1.2); found greedily from the start.
- collapsed class (fixed batch): a digit whose mean π(y|x) over its images in the batch is below
  0.05; unlocked when it later rises above 0.5.
- collapsed class (test set, at the end): a digit whose test accuracy is below 0.5.
- time to 0.9: the first report step whose score is ≥ 0.9 (runs that never reach it are counted
  apart).
- intervals: 95 % percentile bootstrap over seeds (10,000 resamples, fixed generator seed).

    python3 Scripts/study_table.py [--write]
"""
import csv
import glob
import math
import os
import random
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDY = os.path.join(ROOT, "Documentation", "study")
DOC = os.path.join(ROOT, "Documentation", "REINFORCE-vs-CrossEntropy.md")
SETTINGS = [
    ("fixed-reinforce", "fixed batch, REINFORCE (the original)"),
    ("fixed-weighted-ce", "fixed batch, π(y)-weighted CE"),
    ("shuffled-reinforce", "shuffled, REINFORCE"),
    ("shuffled-baseline", "shuffled, REINFORCE + mean baseline"),
    ("shuffled-ce", "shuffled, cross-entropy"),
    ("shuffled-weighted-ce", "shuffled, π(y)-weighted CE"),
]
RATIO, MIN_LENGTH, CEILING, SMOOTH = 1.2, 300, 0.97, 5


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def seed_of(path):
    return int(re.search(r"-seed(\d+)\.csv$", path).group(1))


def runs(model, setting, prefix=""):
    """{seed: rows} of every run of a setting."""
    paths = glob.glob(os.path.join(STUDY, model, f"{prefix}{setting}-seed*.csv"))
    return {seed_of(p): read_csv(p) for p in paths if re.search(r"-seed\d+\.csv$", p) and complete(p)}


def complete(path):
    """Whether the run of this log finished (its printed output ends with the test accuracy)."""
    text = path[:-len(".csv")] + ".txt"
    return os.path.exists(text) and any(line.startswith("test accuracy") for line in open(text))


def scores(rows):
    return [(int(r["step"]), float(r["score"])) for r in rows if r["score"]]


def final_accuracy(rows):
    return [float(r["test_accuracy"]) for r in rows if r["test_accuracy"]][-1]


def smoothed(series):
    """The mean of each report and the SMOOTH − 1 before it (from the SMOOTH-th report on)."""
    return [(series[i][0], statistics.mean(v for _, v in series[i - SMOOTH + 1:i + 1]))
            for i in range(SMOOTH - 1, len(series))]


def plateaus(series):
    """[(first step, last step, mean score)] by the fixed definition above."""
    series = smoothed(series)
    found, i = [], 0
    while i < len(series):
        j, lo, hi = i, 1 - series[i][1], 1 - series[i][1]
        while j + 1 < len(series):
            e = 1 - series[j + 1][1]
            if series[j + 1][1] >= CEILING or max(hi, e) > RATIO * min(lo, e):
                break
            j, lo, hi = j + 1, min(lo, e), max(hi, e)
        if series[i][1] < CEILING and series[j][0] - series[i][0] >= MIN_LENGTH:
            found.append((series[i][0], series[j][0], statistics.mean(v for _, v in series[i:j + 1])))
            i = j + 1
        else:
            i += 1
    return found


def collapsed_at_end(model, setting, seed, prefix=""):
    """Digits whose test accuracy is below 0.5 at the last evaluation (None without a class log)."""
    path = os.path.join(STUDY, model, f"{prefix}{setting}-seed{seed}-classes.csv")
    if not os.path.exists(path):
        return None
    table = class_series(path, "test")
    last = table[max(table)]
    return [k for k in range(10) if last[k][1] < 0.5]


def time_to(series, level=0.9):
    return next((step for step, v in series if v >= level), None)


def bootstrap(values, statistic=statistics.mean, n=10000, seed=0):
    rng = random.Random(seed)
    draws = sorted(statistic([rng.choice(values) for _ in values]) for _ in range(n))
    return draws[int(0.025 * n)], draws[int(0.975 * n) - 1]


def bootstrap_difference(a, b, n=10000, seed=0):
    rng = random.Random(seed)
    draws = sorted(statistics.mean(rng.choices(a, k=len(a))) - statistics.mean(rng.choices(b, k=len(b)))
                   for _ in range(n))
    return draws[int(0.025 * n)], draws[int(0.975 * n) - 1]


def summary_rows(model, prefix, label_suffix=""):
    lines = []
    for setting, label in SETTINGS:
        group = runs(model, setting, prefix)
        if not group:
            continue
        seeds = sorted(group)
        accuracy = [final_accuracy(group[s]) for s in seeds]
        found = [plateaus(scores(group[s])) for s in seeds]
        counts = [len(f) for f in found]
        lengths = [b - a for f in found for a, b, _ in f]
        reached = [t for t in (time_to(scores(group[s])) for s in seeds) if t is not None]
        lo, hi = bootstrap(accuracy)
        last = max(int(r["step"]) for r in group[seeds[0]])
        steps_on = [sum(b - a for a, b, _ in f) / last for f in found]
        t09 = (f"{statistics.median(reached):.0f} ({len(reached)}/{len(seeds)} runs)" if reached
               else f"never (0/{len(seeds)})")
        collapsed = [collapsed_at_end(model, setting, s, prefix) for s in seeds]
        collapsed = ("—" if any(c is None for c in collapsed)
                     else f"{statistics.mean(len(c) for c in collapsed):.1f}")
        lines.append(
            f"| {label}{label_suffix} | {len(seeds)} | {statistics.mean(accuracy):.3f} [{lo:.3f}, {hi:.3f}] "
            f"| {min(accuracy):.3f}–{max(accuracy):.3f} | {statistics.mean(counts):.1f} "
            f"| {statistics.median(lengths) if lengths else 0:.0f} "
            f"| {100 * statistics.mean(steps_on):.0f} % | {t09} | {collapsed} |")
    return lines


def summary_table(model):
    head = ["| setting | seeds | final test accuracy, mean [95 % CI] | range | plateaus per run "
            "| median plateau length (steps) | steps on a plateau | steps to 0.9 train score, median "
            "| test digits below 0.5 accuracy at the end |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    body = summary_rows(model, "")
    twin = summary_rows(model, "torch-", " — PyTorch")
    return "\n".join(head + body + twin)


def comparison_table(model):
    lines = ["| setting | ours, mean | PyTorch, mean | difference (ours − PyTorch) [95 % CI] | beyond the interval? |",
             "| --- | --- | --- | --- | --- |"]
    for setting, label in SETTINGS:
        ours, twin = runs(model, setting), runs(model, setting, "torch-")
        seeds = sorted(set(ours) & set(twin))
        if not seeds:
            continue
        a = [final_accuracy(ours[s]) for s in seeds]
        b = [final_accuracy(twin[s]) for s in seeds]
        lo, hi = bootstrap_difference(a, b)
        lines.append(f"| {label} | {statistics.mean(a):.3f} | {statistics.mean(b):.3f} "
                     f"| {statistics.mean(a) - statistics.mean(b):+.3f} [{lo:+.3f}, {hi:+.3f}] "
                     f"| {'yes' if lo > 0 or hi < 0 else 'no'} |")
    return "\n".join(lines) if len(lines) > 2 else "(no PyTorch runs)"


def class_series(path, which="batch"):
    """{step: [(count, accuracy, mean π(y|x), predicted counts)] by class}."""
    table = {}
    for r in read_csv(path):
        if r["set"] != which:
            continue
        entry = (int(r["count"]), float(r["accuracy"]), float(r["mean_label_probability"]),
                 [int(r[f"predicted_{k}"]) for k in range(10)])
        table.setdefault(int(r["step"]), [None] * 10)[int(r["class"])] = entry
    return table


def evidence_table(model, setting="fixed-reinforce"):
    """Each plateau of each seed: the collapsed classes, what they are answered as, and which
    of them is unlocked when the plateau ends."""
    lines = ["| seed | plateau (steps, score) | collapsed digits during it: share of the batch, answered as | "
             "unlocked within 200 steps after it | score jump |",
             "| --- | --- | --- | --- | --- |"]
    explained = total = 0
    for seed, rows in sorted(runs(model, setting).items()):
        path = os.path.join(STUDY, model, f"{setting}-seed{seed}-classes.csv")
        if not os.path.exists(path):
            continue
        classes = class_series(path)
        steps = sorted(classes)
        series = scores(rows)
        score_at = dict(series)
        last_step = series[-1][0]
        for a, b, level in plateaus(series):
            middle = min(steps, key=lambda s: abs(s - (a + b) / 2))
            collapsed = [k for k in range(10) if classes[middle][k][0] > 0 and classes[middle][k][2] < 0.05]
            batch = sum(classes[middle][k][0] for k in range(10))
            described = []
            for k in collapsed:
                predicted = classes[middle][k][3]
                top = max(range(10), key=lambda j: predicted[j])
                described.append(f"{k} ({classes[middle][k][0] / batch:.2f}, as {top})")
            after = [s for s in steps if b < s <= b + 200]
            unlocked = sorted({k for k in collapsed for s in after if classes[s][k][2] > 0.5})
            if b < last_step:
                total += 1
                explained += bool(unlocked)
            later = [score_at[s] for s in sorted(score_at) if b < s <= b + 200]
            jump = f"{level:.3f} → {max(later):.3f}" if later else "(run ends)"
            lines.append(f"| {seed} | {a}–{b}, {level:.3f} | {', '.join(described) or 'none'} | "
                         f"{', '.join(map(str, unlocked)) or ('—' if b >= last_step else 'none')} | {jump} |")
    lines.append("")
    lines.append(f"Plateaus that end before the run does: {total}; of them, {explained} end with one or more "
                 "of their collapsed digits unlocked within 200 steps.")
    return "\n".join(lines)


def continuation_table(model="mlp"):
    """Digits collapsed on the fixed batch at the end of each REINFORCE run, and how many are
    still collapsed after the continuations with REINFORCE and with the control."""
    def collapsed(path):
        table = class_series(path)
        last = table[max(table)]
        return {k for k in range(10) if last[k][0] > 0 and last[k][2] < 0.05}
    rows, totals = [], {"start": 0, "reinforce": 0, "weighted-cross-entropy": 0}
    for seed in sorted(runs(model, "fixed-reinforce")):
        start = os.path.join(STUDY, model, f"fixed-reinforce-seed{seed}-classes.csv")
        ends = {o: os.path.join(STUDY, model, f"continue-{o}-seed{seed}-classes.csv")
                for o in ["reinforce", "weighted-cross-entropy"]}
        if not all(os.path.exists(p) and complete(p.replace("-classes.csv", ".csv")) for p in ends.values()):
            continue
        first = collapsed(start)
        if not first:
            continue
        after = {o: collapsed(p) for o, p in ends.items()}
        totals["start"] += len(first)
        for o in after:
            totals[o] += len(after[o])
        score = {o: scores(read_csv(ends[o].replace("-classes.csv", ".csv")))[-1][1] for o in ends}
        rows.append(f"| {seed} | {', '.join(map(str, sorted(first)))} "
                    f"| {', '.join(map(str, sorted(after['reinforce']))) or 'none'} ({score['reinforce']:.3f}) "
                    f"| {', '.join(map(str, sorted(after['weighted-cross-entropy']))) or 'none'} "
                    f"({score['weighted-cross-entropy']:.3f}) |")
    if not rows:
        return "(no continuation runs)"
    head = ["| seed | collapsed at the end of the run | still collapsed after more REINFORCE (score) "
            "| still collapsed after the control (score) |", "| --- | --- | --- | --- |"]
    return "\n".join(head + rows + ["", f"In all: {totals['start']} collapsed digits; "
                                          f"{totals['reinforce']} still collapsed after more REINFORCE, "
                                          f"{totals['weighted-cross-entropy']} after the control."])


def gradient_table(model):
    lines = ["| setting | step | cos(sampled, expected) | cos(sampled, CE) | cos(expected, CE) "
             "| ‖sampled‖ / ‖expected‖ | ‖sampled‖ / ‖CE‖ |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for setting in ["fixed-reinforce", "shuffled-reinforce", "shuffled-baseline"]:
        paths = sorted(p for p in glob.glob(os.path.join(STUDY, model, f"{setting}-seed*-gradients.csv"))
                       if complete(p.replace("-gradients.csv", ".csv")))
        if not paths:
            continue
        tables = [{int(r["step"]): r for r in read_csv(p)} for p in paths]
        common = sorted(set.intersection(*(set(t) for t in tables)))
        marks = [s for s in [50, 250, 500, 1000, 2000, 3000] if s in common] or common[-1:]
        for step in marks:
            def mean(column):
                values = [float(t[step][column]) for t in tables if math.isfinite(float(t[step][column]))]
                return statistics.mean(values) if values else float("nan")
            lines.append(f"| {setting} ({len(paths)} seeds) | {step} | {mean('cos_reinforce_weighted'):.3f} "
                         f"| {mean('cos_reinforce_ce'):.3f} | {mean('cos_weighted_ce'):.3f} "
                         f"| {mean('norm_ratio_reinforce_weighted'):.2f} | {mean('norm_ratio_reinforce_ce'):.3f} |")
    return "\n".join(lines)


def timing():
    """The runs' own clocks: the sum of every run's elapsed seconds, per model and framework."""
    lines = ["| model | framework | runs | total run time (single-threaded) | mean per run |",
             "| --- | --- | --- | --- | --- |"]
    grand = 0.0
    for model in ["mlp", "cnn"]:
        for prefix, name in [("", "ours"), ("torch-", "PyTorch")]:
            seconds = []
            for setting, _ in SETTINGS:
                for rows in runs(model, setting, prefix).values():
                    seconds.append(max(float(r["elapsed_seconds"]) for r in rows))
            if seconds:
                grand += sum(seconds)
                lines.append(f"| {model} | {name} | {len(seconds)} | {sum(seconds) / 60:.0f} min "
                             f"| {statistics.mean(seconds):.0f} s |")
    lines.append("")
    lines.append(f"In all {grand / 60:.0f} minutes of single-threaded runs; Scripts/run_study.sh runs two "
                 f"at a time, so about {grand / 120:.0f} minutes on the 2-core machine, plus start-up and "
                 "data loading.")
    path = os.path.join(STUDY, "timing.txt")
    if os.path.exists(path):
        lines.append(f"The last full invocation reported: {open(path).read().strip()}.")
    return "\n".join(lines)


def tables():
    result = {}
    for model in ["mlp", "cnn"]:
        if not os.path.isdir(os.path.join(STUDY, model)):
            continue
        result[f"{model}-summary"] = summary_table(model)
        comparison = comparison_table(model)
        if comparison != "(no PyTorch runs)":
            result[f"{model}-comparison"] = comparison
        result[f"{model}-evidence"] = evidence_table(model)
        result[f"{model}-evidence-weighted"] = evidence_table(model, "fixed-weighted-ce")
        result[f"{model}-gradients"] = gradient_table(model)
    result["mlp-continuations"] = continuation_table()
    result["timing"] = timing()
    return result


def main():
    result = tables()
    for name, text in result.items():
        print(f"### {name}\n\n{text}\n")
    if "--write" in sys.argv:
        doc = open(DOC).read()
        for name, text in result.items():
            pattern = re.compile(rf"(<!-- study:{re.escape(name)} -->\n).*?(<!-- /study:{re.escape(name)} -->)", re.S)
            if not pattern.search(doc):
                sys.exit(f"{DOC}: no markers for '{name}'")
            doc = pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), doc)
        with open(DOC + ".tmp", "w") as f:
            f.write(doc)
        os.replace(DOC + ".tmp", DOC)


if __name__ == "__main__":
    main()
