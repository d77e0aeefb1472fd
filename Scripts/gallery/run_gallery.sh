#!/usr/bin/env bash
# Runs each gallery example and its PyTorch twin one after the other (never at the same time),
# on 2 threads, and writes their CSV logs and wall times to Documentation/gallery/. Then run
# Scripts/gallery/make_examples_md.py to draw the charts and the table. Needs torch; takes
# about 25 minutes on 2 cores.
#
#   swift build -c release && bash Scripts/gallery/run_gallery.sh
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
  echo "$name,$(echo "$end - $start" | bc)" >> "$out/times.csv"
}
echo "run,seconds" > "$out/times.csv"
for seed in 543 1 2; do
  timed "actor-critic-ours-$seed" "$bin/actor-critic" --seed "$seed" --threads 2 --log "$out/actor-critic-ours-$seed.csv"
  timed "actor-critic-torch-$seed" python3 Scripts/gallery/actor_critic.py --seed "$seed" --threads 2 --log "$out/actor-critic-torch-$seed.csv"
done
timed "wgan-gp-ours-0" "$bin/wgan-gp" --seed 0 --threads 2 --log "$out/wgan-gp-ours-0.csv" --plot "$out/wgan-gp-ours-0.svg"
timed "wgan-gp-torch-0" python3 Scripts/gallery/wgan_gp.py --seed 0 --threads 2 --log "$out/wgan-gp-torch-0.csv"
timed "vae-ours-1" "$bin/vae" --seed 1 --threads 2 --epochs 10 --results "$out/vae" --log "$out/vae-ours-1.csv"
find "$out/vae" -name "*.png" ! -name "*_10.png" -delete  # keep the last epoch's grids
timed "vae-torch-1" python3 Scripts/gallery/vae.py --seed 1 --threads 2 --epochs 10 --log "$out/vae-torch-1.csv"
timed "time-sequence-ours-0" "$bin/time-sequence" --threads 2 --save-initial /tmp/ts-init.safetensors --log "$out/time-sequence-ours-0.csv" --plot "$out/time-sequence-ours-0.svg"
timed "time-sequence-torch-0" python3 Scripts/gallery/time_sequence.py --threads 2 --init /tmp/ts-init.safetensors --log "$out/time-sequence-torch-0.csv"
timed "word-language-model-lstm-ours" "$bin/word-language-model" --threads 2 --save /tmp/wlm.safetensors --log "$out/word-language-model-lstm-ours.csv"
timed "word-language-model-lstm-torch" python3 Scripts/gallery/word_language_model.py --threads 2 --log "$out/word-language-model-lstm-torch.csv"
timed "word-language-model-transformer-ours" "$bin/word-language-model" --model Transformer --lr 5 --threads 2 --save /tmp/wlmt.safetensors --log "$out/word-language-model-transformer-ours.csv"
timed "word-language-model-transformer-torch" python3 Scripts/gallery/word_language_model.py --model Transformer --lr 5 --threads 2 --log "$out/word-language-model-transformer-torch.csv"
"$bin/word-language-model" generate --checkpoint /tmp/wlm.safetensors --words 100 --outf "$out/generated.txt" > /dev/null
echo "gallery runs: done"
