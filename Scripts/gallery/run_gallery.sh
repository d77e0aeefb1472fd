#!/usr/bin/env bash
# Runs each gallery example and its PyTorch twin one after the other (never at the same time),
# on 2 threads, and writes their CSV logs and wall times to Documentation/gallery/. Then run
# Scripts/gallery/make_examples_md.py to draw the charts and the table. Needs torch; takes
# about 55 minutes on 2 cores.
#
#   swift build -c release && bash Scripts/gallery/run_gallery.sh
#   ONLY="word-language-model vae" bash Scripts/gallery/run_gallery.sh   # just those examples
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/Documentation/gallery"
bin="$root/.build/release"
mkdir -p "$out"
cd "$root"
timed() {  # timed NAME command…: runs, appends "NAME,seconds" to times.csv
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$@" > "$out/$name.txt"
  end=$(date +%s.%N)
  grep -v "^$name," "$out/times.csv" > "$out/times.csv.tmp" || true
  mv "$out/times.csv.tmp" "$out/times.csv"
  echo "$name,$(echo "$end - $start" | bc)" >> "$out/times.csv"
}
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
if [ -z "${ONLY:-}" ] || [ ! -f "$out/times.csv" ]; then echo "run,seconds" > "$out/times.csv"; fi
want actor-critic && for seed in 543 1 2; do
  timed "actor-critic-ours-$seed" "$bin/actor-critic" --seed "$seed" --threads 2 --log "$out/actor-critic-ours-$seed.csv"
  timed "actor-critic-torch-$seed" python3 Scripts/gallery/actor_critic.py --seed "$seed" --threads 2 --log "$out/actor-critic-torch-$seed.csv"
done
want wgan-gp && for seed in 0 1 2; do
  timed "wgan-gp-ours-$seed" "$bin/wgan-gp" --seed "$seed" --threads 2 --log "$out/wgan-gp-ours-$seed.csv" \
    $([ "$seed" = 0 ] && echo --plot "$out/wgan-gp-ours-0.svg")
  timed "wgan-gp-torch-$seed" python3 Scripts/gallery/wgan_gp.py --seed "$seed" --threads 2 --log "$out/wgan-gp-torch-$seed.csv"
done
want vae && for seed in 1 2 3; do
  timed "vae-ours-$seed" "$bin/vae" --seed "$seed" --threads 2 --epochs 10 --results "$out/vae-$seed" --log "$out/vae-ours-$seed.csv"
  timed "vae-torch-$seed" python3 Scripts/gallery/vae.py --seed "$seed" --threads 2 --epochs 10 --log "$out/vae-torch-$seed.csv"
done
if want vae; then
  mv "$out/vae-1" "$out/vae.new" && rm -rf "$out"/vae-[0-9] "$out/vae" && mv "$out/vae.new" "$out/vae"
  find "$out/vae" -name "*.png" ! -name "*_10.png" -delete  # keep seed 1's last grids
fi
want time-sequence && timed "time-sequence-ours-0" "$bin/time-sequence" --threads 2 --save-initial /tmp/ts-init.safetensors --log "$out/time-sequence-ours-0.csv" --plot "$out/time-sequence-ours-0.svg"
want time-sequence && timed "time-sequence-torch-0" python3 Scripts/gallery/time_sequence.py --threads 2 --init /tmp/ts-init.safetensors --log "$out/time-sequence-torch-0.csv"
# The word-language-model twin starts from our initial weights (--save-initial, --init); only
# the dropout masks differ.
if want word-language-model; then
  for seed in 1111 1 2; do
    timed "word-language-model-lstm-ours-$seed" "$bin/word-language-model" --seed "$seed" --threads 2 \
      --save "/tmp/wlm-$seed.safetensors" --save-initial "/tmp/wlm-init-$seed.safetensors" \
      --log "$out/word-language-model-lstm-ours-$seed.csv"
    timed "word-language-model-lstm-torch-$seed" python3 Scripts/gallery/word_language_model.py --seed "$seed" \
      --threads 2 --init "/tmp/wlm-init-$seed.safetensors" --log "$out/word-language-model-lstm-torch-$seed.csv"
  done
  for seed in 1111 1 2; do
    timed "word-language-model-transformer-ours-$seed" "$bin/word-language-model" --model Transformer --lr 5 \
      --seed "$seed" --threads 2 --save "/tmp/wlmt-$seed.safetensors" \
      --save-initial "/tmp/wlmt-init-$seed.safetensors" --log "$out/word-language-model-transformer-ours-$seed.csv"
    timed "word-language-model-transformer-torch-$seed" python3 Scripts/gallery/word_language_model.py \
      --model Transformer --lr 5 --seed "$seed" --threads 2 --init "/tmp/wlmt-init-$seed.safetensors" \
      --log "$out/word-language-model-transformer-torch-$seed.csv"
  done
  "$bin/word-language-model" generate --checkpoint /tmp/wlm-1111.safetensors --words 100 --outf "$out/generated.txt" > /dev/null
fi
echo "gallery runs: done"
