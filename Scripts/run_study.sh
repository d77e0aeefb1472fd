#!/usr/bin/env bash
# Reproduces every number and figure of Documentation/REINFORCE-vs-CrossEntropy.md.
# Runs the CNN of the original experiment: 3 seeds × 3,000 steps on the fixed first batch, then
# 2,000 shuffled steps with each of reinforce, reinforce + mean baseline and cross-entropy.
# About 20–30 minutes on 2 cores. Outputs go to Documentation/study/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Documentation/study
mkdir -p "$out"
swift build -c release --product mnist-reinforce
bin=.build/release/mnist-reinforce
threads=${THREADS:-2}

for seed in 0 1 2; do
  $bin --fixed-batch --steps 3000 --seed "$seed" --eval-every 500 --threads "$threads" \
    --log "$out/fixed-seed$seed.csv" > "$out/fixed-seed$seed.txt"
done
$bin --steps 2000 --seed 0 --eval-every 250 --threads "$threads" \
  --log "$out/shuffled-reinforce.csv" > "$out/shuffled-reinforce.txt"
$bin --steps 2000 --seed 0 --eval-every 250 --baseline mean --threads "$threads" \
  --log "$out/shuffled-reinforce-baseline.csv" > "$out/shuffled-reinforce-baseline.txt"
$bin --steps 2000 --seed 0 --eval-every 250 --objective cross-entropy --threads "$threads" \
  --log "$out/shuffled-cross-entropy.csv" > "$out/shuffled-cross-entropy.txt"

$bin plot "$out"/fixed-seed0.csv "$out"/fixed-seed1.csv "$out"/fixed-seed2.csv \
  --title "Fixed first batch (the original's loop), CNN, 3 seeds" -o "$out/fixed-batch.svg"
$bin plot "$out"/shuffled-reinforce.csv "$out"/shuffled-reinforce-baseline.csv \
  "$out"/shuffled-cross-entropy.csv --title "Shuffled MNIST, CNN, 2,000 steps" -o "$out/shuffled.svg"
tail -n 1 "$out"/*.txt
python3 Scripts/study_table.py
