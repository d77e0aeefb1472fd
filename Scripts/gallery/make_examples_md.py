#!/usr/bin/env python3
"""Draws the gallery's side-by-side charts and writes the results tables of
Documentation/Examples.md from the logs that Scripts/gallery/run_gallery.sh wrote to
Documentation/gallery/ (no torch needed). The tables go between the markers
`<!-- results:NAME -->` and `<!-- /results:NAME -->` of Examples.md.

    python3 Scripts/gallery/make_examples_md.py
"""
import csv
import math
import os
import re
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
G = os.path.join(ROOT, "Documentation", "gallery")
COLORS = {"ours": "#1f77b4", "PyTorch": "#d62728"}


def read(name):
    path = os.path.join(G, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return list(csv.DictReader(f))


times = {r["run"]: float(r["seconds"]) for r in read("times.csv") or []}


def chart(path, title, xlabel, ylabel, series, logy=False):
    """series: list of (name, colour, dashed, [(x, y)])."""
    W, H, L, R, T, B = 760, 420, 70, 190, 45, 55
    pw, ph = W - L - R, H - T - B
    pts = [p for _, _, _, s in series for p in s if p[1] is not None and math.isfinite(p[1])]
    f = (lambda y: math.log10(y)) if logy else (lambda y: y)
    xs, ys = [p[0] for p in pts], [f(p[1]) for p in pts]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    X = lambda x: L + (x - x0) / (x1 - x0) * pw
    Y = lambda y: T + (1 - (f(y) - y0) / (y1 - y0)) * ph
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{L + pw / 2}" y="26" text-anchor="middle" font-size="15" font-weight="bold">{title}</text>',
           f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="black"/>']
    for k in range(6):
        yv = y0 + (y1 - y0) * k / 5
        label = 10 ** yv if logy else yv
        yy = T + (1 - k / 5) * ph
        out.append(f'<line x1="{L}" y1="{yy:.1f}" x2="{L + pw}" y2="{yy:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{L - 6}" y="{yy + 4:.1f}" text-anchor="end">{label:.3g}</text>')
        xv = x0 + (x1 - x0) * k / 5
        out.append(f'<text x="{L + k / 5 * pw:.1f}" y="{T + ph + 18}" text-anchor="middle">{xv:.4g}</text>')
    out.append(f'<text x="{L + pw / 2}" y="{H - 12}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text transform="translate(16 {T + ph / 2}) rotate(-90)" text-anchor="middle">{ylabel}</text>')
    for i, (name, colour, dashed, s) in enumerate(series):
        s = [p for p in s if p[1] is not None and math.isfinite(p[1])]
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        if len(s) == 1:
            out.append(f'<circle cx="{X(s[0][0]):.1f}" cy="{Y(s[0][1]):.1f}" r="3" fill="{colour}"/>')
        elif s:
            pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in s)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash} points="{pts}"/>')
        ly = T + 12 + i * 18
        out.append(f'<line x1="{L + pw + 12}" y1="{ly}" x2="{L + pw + 36}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{L + pw + 42}" y="{ly + 4}">{name}</text>')
    out.append("</svg>\n")
    with open(os.path.join(G, path), "w") as fh:
        fh.write("\n".join(out))


def mean_spread(values):
    if len(values) == 1:
        return f"{values[0]:.4g}"
    return f"{statistics.mean(values):.4g} ± {statistics.stdev(values):.2g}"


tables = {}

# actor-critic: episodes to solve, final running reward, time per episode and per env step.
rows, series = [], []
for who, tag in (("ours", "ours"), ("PyTorch", "torch")):
    solved, secs, per_step = [], [], []
    for k, seed in enumerate((543, 1, 2)):
        log = read(f"actor-critic-{tag}-{seed}.csv")
        if not log:
            continue
        ep = [int(r["episode"]) for r in log]
        run = [float(r["running_reward"]) for r in log]
        steps = sum(int(r["reward"]) for r in log)
        solved.append(ep[-1] if run[-1] > 475 else float("nan"))
        t = times.get(f"actor-critic-{tag}-{seed}")
        secs.append(t)
        per_step.append(float(log[-1]["elapsed_seconds"]) / steps * 1e6)
        series.append((f"{who}, seed {seed}", COLORS[who], k > 0, list(zip(ep, run))))
    if solved:
        rows.append(f"| {who} | {', '.join(str(int(s)) if s == s else 'not solved' for s in solved)} | "
                    f"{mean_spread(per_step)} µs | {', '.join(f'{t:.1f}' for t in secs if t)} s |")
if series:
    chart("actor-critic.svg", "actor-critic on CartPole-v1: running reward", "episode", "running reward", series)
    tables["actor-critic"] = "\n".join([
        "| | episodes to solve (seeds 543, 1, 2) | time per environment step (mean ± sd) | wall time per run |",
        "| --- | --- | --- | --- |"] + rows)

def seeds_of(prefix):
    """The seeds with a log `prefix-SEED.csv`, in order of the run."""
    found = []
    for run in times:
        if run.startswith(prefix + "-") and os.path.exists(os.path.join(G, run + ".csv")):
            found.append(run[len(prefix) + 1:])
    return found


def walls(prefix, runs):
    """The wall times of the runs, comma-separated."""
    return ", ".join("%.0f" % times[prefix + "-" + seed] for seed, _, _ in runs)


def per_seed(prefix, final):
    """[(seed, log, final(log))] for every seed of `prefix`."""
    return [(seed, read(f"{prefix}-{seed}.csv"), final(read(f"{prefix}-{seed}.csv"))) for seed in seeds_of(prefix)]


# wgan-gp
rows, series = [], []
for who, tag in (("ours", "ours"), ("PyTorch", "torch")):
    runs = per_seed(f"wgan-gp-{tag}", lambda log: log[-1])
    if not runs:
        continue
    for k, (seed, log, _) in enumerate(runs):
        x = [int(r["step"]) for r in log]
        series.append((f"{who}, seed {seed}", COLORS[who], k > 0, list(zip(x, [float(r["mean_distance"]) for r in log]))))
    lasts = [last for _, _, last in runs]
    ms = [float(l["elapsed_seconds"]) / int(l["step"]) * 1000 for l in lasts]
    rows.append(f"| {who} | {', '.join(l['modes'] for l in lasts)} of 8 | {mean_spread([float(l['mean_distance']) for l in lasts])} | "
                f"{mean_spread([float(l['wasserstein']) for l in lasts])} | {mean_spread(ms)} ms | "
                f"{walls('wgan-gp-' + tag, runs)} s |")
if series:
    chart("wgan-gp.svg", "wgan-gp on eight Gaussians: distance to the nearest mode", "generator iteration", "mean distance", series)
    tables["wgan-gp"] = "\n".join([
        f"| | modes covered (seeds {', '.join(seeds_of('wgan-gp-ours'))}) | mean distance to nearest mode (mean ± sd) | Wasserstein estimate | time per generator step | wall time per run |",
        "| --- | --- | --- | --- | --- | --- |"] + rows)

# vae
rows, series = [], []
for who, tag in (("ours", "ours"), ("PyTorch", "torch")):
    runs = per_seed(f"vae-{tag}", lambda log: log[-1])
    if not runs:
        continue
    for k, (seed, log, _) in enumerate(runs):
        e = [int(r["epoch"]) for r in log]
        if k == 0:
            series.append((f"{who}: train", COLORS[who], False, list(zip(e, [float(r["train_loss"]) for r in log]))))
        series.append((f"{who}: test, seed {seed}", COLORS[who], True, list(zip(e, [float(r["test_loss"]) for r in log]))))
    lasts = [last for _, _, last in runs]
    rows.append(f"| {who} | {mean_spread([float(l['train_loss']) for l in lasts])} | {mean_spread([float(l['test_loss']) for l in lasts])} | "
                f"{mean_spread([float(l['elapsed_seconds']) / int(l['epoch']) for l in lasts])} s | "
                f"{walls('vae-' + tag, runs)} s |")
if series:
    chart("vae.svg", "vae on MNIST: loss per image", "epoch", "loss", series)
    tables["vae"] = "\n".join([
        f"| | train loss, epoch 10 (seeds {', '.join(seeds_of('vae-ours'))}, mean ± sd) | test loss, epoch 10 | time per epoch | wall time per run |",
        "| --- | --- | --- | --- | --- |"] + rows)

# time-sequence
rows, series = [], []
for who, tag in (("ours", "ours"), ("PyTorch", "torch")):
    log = read(f"time-sequence-{tag}-0.csv")
    if not log:
        continue
    st = [int(r["step"]) for r in log]
    series.append((f"{who}: test loss", COLORS[who], who == "PyTorch", list(zip(st, [float(r["test_loss"]) for r in log]))))
    last = log[-1]
    rows.append(f"| {who} | {float(last['train_loss']):.6g} | {float(last['test_loss']):.6g} | "
                f"{float(last['elapsed_seconds']) / len(log):.1f} s | {times.get(f'time-sequence-{tag}-0', float('nan')):.0f} s |")
if series:
    chart("time-sequence.svg", "time-sequence: test loss per LBFGS step", "step", "test loss", series, logy=True)
    tables["time-sequence"] = "\n".join([
        "| | train loss (last step, first evaluation) | test loss | time per LBFGS step | wall time |",
        "| --- | --- | --- | --- | --- |"] + rows)

# word-language-model
rows, series = [], []
for variant in ("lstm", "transformer"):
    for who, tag in (("ours", "ours"), ("PyTorch", "torch")):
        runs = per_seed(f"word-language-model-{variant}-{tag}", lambda log: log)
        if not runs:
            continue
        valid, test, epoch_s = [], [], []
        for k, (seed, log, _) in enumerate(runs):
            epochs = [r for r in log if r["epoch"] != "test"]
            t = [r for r in log if r["epoch"] == "test"][0]
            if k == 0:
                series.append((f"{who}, {variant}", COLORS[who], variant == "transformer",
                               [(int(r["epoch"]), float(r["valid_ppl"])) for r in epochs]))
            valid.append(float(epochs[-1]["valid_ppl"]))
            test.append(float(t["valid_ppl"]))
            epoch_s.append(float(epochs[-1]["elapsed_seconds"]) / len(epochs))
        rows.append(f"| {variant} | {who} | {', '.join(seed for seed, _, _ in runs)} | {mean_spread(valid)} | {mean_spread(test)} | "
                    f"{mean_spread(epoch_s)} s | "
                    f"{walls('word-language-model-' + variant + '-' + tag, runs)} s |")
if series:
    chart("word-language-model.svg", "word-language-model on KJV: validation perplexity (first seed)", "epoch", "perplexity", series, logy=True)
    tables["word-language-model"] = "\n".join([
        "| model | | seeds | valid ppl, last epoch (mean ± sd) | test ppl | time per epoch | wall time per run |",
        "| --- | --- | --- | --- | --- | --- | --- |"] + rows)

# word-language-model LSTM from the same start: the gallery's seeds plus
# word_language_model_same_start.sh's (dropout 0.2), paired per seed.
def valid_test(log):
    return float([r for r in log if r["epoch"] != "test"][-1]["valid_ppl"]), float([r for r in log if r["epoch"] == "test"][0]["valid_ppl"])


pairs = []
for seed, ours_log, _ in per_seed("word-language-model-lstm-ours", lambda log: log):
    theirs = read(f"word-language-model-lstm-torch-{seed}.csv")
    if theirs:
        pairs.append((seed, valid_test(ours_log), valid_test(theirs)))
same_start = os.path.join("word-language-model-same-start")
same_start_logs = os.listdir(os.path.join(G, same_start)) if os.path.isdir(os.path.join(G, same_start)) else []
for name in sorted(same_start_logs, key=lambda n: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", n)]):
    m = re.fullmatch(r"ours-0\.2-(\d+)\.csv", name)
    theirs = read(os.path.join(same_start, f"torch-0.2-{m.group(1)}.csv")) if m else None
    if theirs:
        pairs.append((m.group(1), valid_test(read(os.path.join(same_start, name))), valid_test(theirs)))
if len(pairs) >= 2:
    T95 = {1: 12.71, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
           11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093}
    rows = []
    for k, label in ((0, "valid ppl"), (1, "test ppl")):
        ours_v, theirs_v = [p[1][k] for p in pairs], [p[2][k] for p in pairs]
        d = [a - b for a, b in zip(ours_v, theirs_v)]
        half = T95.get(len(d) - 1, 2.0) * statistics.stdev(d) / math.sqrt(len(d))
        mean = statistics.mean(d)
        rows.append(f"| {label} | {statistics.mean(ours_v):.1f} ± {statistics.stdev(ours_v):.1f} | "
                    f"{statistics.mean(theirs_v):.1f} ± {statistics.stdev(theirs_v):.1f} | "
                    f"{mean:+.1f} [{mean - half:+.1f}, {mean + half:+.1f}] |")
    tables["word-language-model-same-start"] = "\n".join([
        f"| LSTM, dropout 0.2, same start, {len(pairs)} seeds ({', '.join(p[0] for p in pairs)}) | ours (mean ± sd) | PyTorch | "
        "ours − PyTorch, mean [95 % t-interval of the paired difference] |",
        "| --- | --- | --- | --- |"] + rows)

md_path = os.path.join(ROOT, "Documentation", "Examples.md")
md = open(md_path).read()
for name, table in tables.items():
    md = re.sub(rf"<!-- results:{name} -->.*?<!-- /results:{name} -->",
                f"<!-- results:{name} -->\n{table}\n<!-- /results:{name} -->", md, flags=re.S)
open(md_path, "w").write(md)
print("updated", ", ".join(tables))
