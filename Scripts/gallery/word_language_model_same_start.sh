#!/usr/bin/env bash
# The word-language-model LSTM from the same start in both frameworks, beyond the gallery's three
# seeds: dropout 0 (seeds 1, 2; the two sides then compute the same function up to rounding) and
# dropout 0.2 (seeds 3, 4, 5). Each pair: ours with --save-initial, then the twin with --init.
# Single-threaded (the numbers do not depend on it); about 35 minutes on 2 cores. Needs torch.
# Logs go to Documentation/gallery/word-language-model-same-start/{ours,torch}-DROPOUT-SEED.csv.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=Documentation/gallery/word-language-model-same-start
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
swift build -c release --product word-language-model
for cfg in "0 1" "0 2" "0.2 3" "0.2 4" "0.2 5"; do
  set -- $cfg
  .build/release/word-language-model --seed "$2" --threads 1 --dropout "$1" --save "$tmp/best.safetensors" \
    --save-initial "$tmp/init.safetensors" --log "$out/ours-$1-$2.csv" > /dev/null
  python3 Scripts/gallery/word_language_model.py --seed "$2" --threads 1 --dropout "$1" \
    --init "$tmp/init.safetensors" --log "$out/torch-$1-$2.csv" > /dev/null
done
