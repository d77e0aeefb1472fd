#!/usr/bin/env bash
# Draws the study's figures (SVG, our own chart code) from the logs in Documentation/study/.
# Called by Scripts/run_study.sh; runs alone in a few seconds on committed logs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Documentation/study
swift build -c release --product mnist-reinforce > /dev/null
bin=.build/release/mnist-reinforce

runs() { # model prefix setting: the comma-separated logs of every seed that exists
  ls "$out/$1/$2$3"-seed*.csv 2>/dev/null | grep -E -- "-seed[0-9]+\.csv$" | sort -V | paste -sd, -
}
group() { # label model prefix setting → label=files, or nothing when there are no logs
  local files
  files=$(runs "$2" "$3" "$4")
  [ -n "$files" ] && echo "$1=$files"
}
for model in mlp cnn; do
  [ -d "$out/$model" ] || continue
  name=$(echo "$model" | tr a-z A-Z)
  mapfile -t fixed < <(
    group "REINFORCE" "$model" "" fixed-reinforce
    group "weighted CE" "$model" "" fixed-weighted-ce
    group "PyTorch REINFORCE" "$model" torch- fixed-reinforce
    group "PyTorch weighted CE" "$model" torch- fixed-weighted-ce
  )
  [ ${#fixed[@]} -gt 0 ] && $bin plot-mean "${fixed[@]}" --column score \
    --title "$name, fixed first batch: train score (mean ± sd over seeds)" -o "$out/$model-fixed.svg"
  mapfile -t shuffled < <(
    group "REINFORCE" "$model" "" shuffled-reinforce
    group "REINFORCE + baseline" "$model" "" shuffled-baseline
    group "cross-entropy" "$model" "" shuffled-ce
    group "weighted CE" "$model" "" shuffled-weighted-ce
    group "PyTorch REINFORCE" "$model" torch- shuffled-reinforce
    group "PyTorch REINFORCE + baseline" "$model" torch- shuffled-baseline
    group "PyTorch cross-entropy" "$model" torch- shuffled-ce
    group "PyTorch weighted CE" "$model" torch- shuffled-weighted-ce
  )
  [ ${#shuffled[@]} -gt 0 ] && $bin plot-mean "${shuffled[@]}" --column test_accuracy \
    --title "$name, shuffled MNIST: test accuracy (mean ± sd over seeds)" -o "$out/$model-shuffled.svg"
  # The gradient comparison: how close is one sampled REINFORCE gradient to its expectation?
  mapfile -t gradients < <(
    for s in fixed-reinforce shuffled-reinforce shuffled-baseline; do
      files=$(ls "$out/$model/$s"-seed*-gradients.csv 2>/dev/null | sort -V | paste -sd, -)
      [ -n "$files" ] && echo "$s=$files"
    done
  )
  [ ${#gradients[@]} -gt 0 ] && $bin plot-mean "${gradients[@]}" --column cos_reinforce_weighted \
    --title "$name: cos(sampled REINFORCE gradient, its expectation)" -o "$out/$model-gradient-cosine.svg"
  # Per-class evidence on the fixed batch, for seeds 0–3 (fixed in advance, not picked).
  for seed in 0 1 2 3; do
    for s in fixed-reinforce fixed-weighted-ce; do
      f="$out/$model/$s-seed$seed-classes.csv"
      [ -f "$f" ] && $bin plot-classes "$f" --set batch \
        --title "$name $s, seed $seed: per-digit mean π(y|x) on the fixed batch" \
        -o "$out/$model-$s-seed$seed-classes.svg"
    done
  done
  f="$out/$model/shuffled-reinforce-seed0-classes.csv"
  [ -f "$f" ] && $bin plot-classes "$f" --set test \
    --title "$name shuffled-reinforce, seed 0: per-digit mean π(y|x) on the test set" \
    -o "$out/$model-shuffled-reinforce-seed0-classes.svg"
done
true
