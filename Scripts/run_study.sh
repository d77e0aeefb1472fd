#!/usr/bin/env bash
# Reproduces every table and figure of Documentation/REINFORCE-vs-CrossEntropy.md from scratch.
#
# Six settings (`fixed-*` train on the first batch every step, as the original's loop; the rest
# on shuffled MNIST), each over many seeds, with the MLP policy and with the original CNN:
#   fixed-reinforce       the original: REINFORCE, reward 1 for the right digit, no baseline
#   fixed-weighted-ce     the control: −sg(π(y|x))·log π(y|x), REINFORCE's expected gradient
#   shuffled-reinforce    REINFORCE on shuffled batches
#   shuffled-baseline     REINFORCE with the batch-mean baseline
#   shuffled-ce           cross-entropy
#   shuffled-weighted-ce  the control on shuffled batches
# Every run of ours logs its curve, per-class statistics (--log-classes) and, for the REINFORCE
# settings, gradient statistics (--grad-stats). With torch installed (optional; CI never runs
# this), the PyTorch twin (Scripts/study_twin.py) reruns each run from our initial weights and
# data order (--save-initial). Then every MLP fixed-batch REINFORCE run is continued from its final
# weights with REINFORCE and with the control (CONTINUE_STEPS, default 1000). Runs are single-threaded, two at a time (the numbers do not depend
# on the thread count). Outputs go to Documentation/study/{mlp,cnn}/; then the figures are drawn
# with our own chart code and Scripts/study_table.py prints the doc's tables.
#
# Environment: MLP_SEEDS (default 10), MLP_FIXED_SEEDS (default 20, for the two fixed-batch
# settings), CNN_SEEDS (default 5), MLP_STEPS (default 3000),
# CNN_STEPS (default 1000), CNN_SETTINGS (default: fixed-reinforce fixed-weighted-ce
# shuffled-reinforce), TWIN (default 1 if torch imports), TWIN_MODELS (default mlp: PyTorch's
# CNN step is too slow on 2 cores for the whole grid), JOBS (default 2), RESUME (1: keep the
# runs whose logs are complete, and run the rest).
# On the project's 2-core machine the defaults take about an hour (the doc's timing table).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Documentation/study
MLP_SEEDS=${MLP_SEEDS:-10}
MLP_FIXED_SEEDS=${MLP_FIXED_SEEDS:-20}
CNN_SEEDS=${CNN_SEEDS:-5}
MLP_STEPS=${MLP_STEPS:-3000}
CNN_STEPS=${CNN_STEPS:-1000}
CNN_SETTINGS=${CNN_SETTINGS:-fixed-reinforce fixed-weighted-ce shuffled-reinforce}
JOBS=${JOBS:-2}
if [ -z "${TWIN:-}" ]; then
  if python3 -c "import torch, safetensors" 2>/dev/null; then TWIN=1; else TWIN=0; fi
fi
TWIN_MODELS=${TWIN_MODELS:-mlp}
swift build -c release --product mnist-reinforce
init=$(mktemp -d)
trap 'rm -rf "$init"' EXIT
# A private copy of the binary, so that a rebuild during the runs cannot mix two builds.
cp .build/release/mnist-reinforce "$init/"
bin=$init/mnist-reinforce
start=$(date +%s)

flags() { # the mnist-reinforce flags of a setting
  case $1 in
    fixed-reinforce) echo "--fixed-batch" ;;
    fixed-weighted-ce) echo "--fixed-batch --objective weighted-cross-entropy" ;;
    shuffled-reinforce) echo "" ;;
    shuffled-baseline) echo "--baseline mean" ;;
    shuffled-ce) echo "--objective cross-entropy" ;;
    shuffled-weighted-ce) echo "--objective weighted-cross-entropy" ;;
    *) echo "unknown setting $1" >&2; exit 2 ;;
  esac
}

jobs_file=$(mktemp)
add_runs() { # model first-seed last-seed steps settings…
  local model=$1 first=$2 last=$3 steps=$4
  shift 4
  mkdir -p "$out/$model"
  for seed in $(seq "$first" "$last"); do
    for setting in "$@"; do
      local f name="$out/$model/$setting-seed$seed"
      f=$(flags "$setting")
      local extra=""
      case $setting in *reinforce | *baseline) extra="--grad-stats $name-gradients.csv" ;; esac
      local initial="$init/$model-$setting-seed$seed.safetensors"
      local run="$bin --model $model --steps $steps --seed $seed --eval-every 250 --threads 1 $f \
--log $name.csv --log-classes $name-classes.csv $extra --save-initial $initial > $name.txt"
      local twin="$out/$model/torch-$setting-seed$seed"
      local want_twin=0
      if [ "$TWIN" = 1 ] && [[ " $TWIN_MODELS " == *" $model "* ]]; then want_twin=1; fi
      # With RESUME=1, a run whose logs are complete is kept.
      if [ "${RESUME:-0}" = 1 ] && grep -q "^test accuracy" "$name.txt" 2>/dev/null &&
        { [ "$want_twin" = 0 ] || grep -q "^test accuracy" "$twin.txt" 2>/dev/null; }; then
        continue
      fi
      if [ "$want_twin" = 1 ]; then
        run="$run && python3 Scripts/study_twin.py --init $initial --model $model --steps $steps \
--seed $seed --eval-every 250 --threads 1 $f --log $twin.csv > $twin.txt"
      fi
      echo "$run"
    done
  done >> "$jobs_file"
}
add_runs mlp 0 $((MLP_SEEDS - 1)) "$MLP_STEPS" fixed-reinforce fixed-weighted-ce shuffled-reinforce \
  shuffled-baseline shuffled-ce shuffled-weighted-ce
# The fixed-batch settings are the cheapest and the most variable: twice the seeds.
add_runs mlp "$MLP_SEEDS" $((MLP_FIXED_SEEDS - 1)) "$MLP_STEPS" fixed-reinforce fixed-weighted-ce
# shellcheck disable=SC2086
add_runs cnn 0 $((CNN_SEEDS - 1)) "$CNN_STEPS" $CNN_SETTINGS
# Continuations: each MLP fixed-batch REINFORCE run is replayed to its last step and saved, then
# continued for CONTINUE_STEPS more from those weights with a fresh Adam, once with REINFORCE and
# once with the control: can the expected gradient unlock digits that sampling left collapsed?
CONTINUE_STEPS=${CONTINUE_STEPS:-1000}
for seed in $(seq 0 $((MLP_FIXED_SEEDS - 1))); do
  saved="$init/mlp-fixed-reinforce-seed$seed-final.safetensors"
  run="$bin --model mlp --fixed-batch --steps $MLP_STEPS --seed $seed --threads 1 --save $saved > /dev/null"
  todo=0
  for objective in reinforce weighted-cross-entropy; do
    name="$out/mlp/continue-$objective-seed$seed"
    if [ "${RESUME:-0}" = 1 ] && grep -q "^test accuracy" "$name.txt" 2>/dev/null; then continue; fi
    todo=1
    run="$run && $bin --model mlp --fixed-batch --steps $CONTINUE_STEPS --seed $seed --threads 1 \
--objective $objective --init-weights $saved --eval-every 250 --log $name.csv \
--log-classes $name-classes.csv > $name.txt"
  done
  [ "$todo" = 1 ] && echo "$run" >> "$jobs_file"
done
echo "$(wc -l < "$jobs_file") runs, $JOBS at a time"
xargs -P "$JOBS" -I{} -d '\n' sh -c '{}' < "$jobs_file"
rm -f "$jobs_file"
if [ "${RESUME:-0}" = 1 ]; then
  echo "the missing runs took $(( $(date +%s) - start )) s"
else
  echo "runs took $(( $(date +%s) - start )) s, $JOBS at a time" | tee "$out/timing.txt"
fi

bash Scripts/study_figures.sh
python3 Scripts/study_table.py
