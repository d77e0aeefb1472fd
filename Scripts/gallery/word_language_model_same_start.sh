#!/usr/bin/env bash
# The word-language-model LSTM from the same start in both frameworks, beyond the gallery's three
# seeds: dropout 0 (seeds 1, 2; the two sides then compute the same function up to rounding) and
# dropout 0.2 (seeds 3, 4, 5). Each pair: ours with --save-initial, then the twin with --init.
# SEEDS (default "3 4 5") and DROPOUT0_SEEDS (default "1 2") choose the seeds. Two threads each,
# one run at a time; about 90 s per seed on 2 cores. Needs torch. Logs go to
# Documentation/gallery/word-language-model-same-start/{ours,torch}-DROPOUT-SEED.csv; then
# Scripts/gallery/make_examples_md.py tabulates the dropout-0.2 pairs with the gallery's.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=Documentation/gallery/word-language-model-same-start
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
swift build -c release --product word-language-model
configs=()
for seed in ${DROPOUT0_SEEDS-1 2}; do configs+=("0 $seed"); done
for seed in ${SEEDS-3 4 5}; do configs+=("0.2 $seed"); done
for cfg in "${configs[@]}"; do
  set -- $cfg
  .build/release/word-language-model --seed "$2" --threads 2 --dropout "$1" --save "$tmp/best.safetensors" \
    --save-initial "$tmp/init.safetensors" --log "$out/ours-$1-$2.csv" > /dev/null
  python3 Scripts/gallery/word_language_model.py --seed "$2" --threads 2 --dropout "$1" \
    --init "$tmp/init.safetensors" --log "$out/torch-$1-$2.csv" > /dev/null
done
