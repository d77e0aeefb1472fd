#!/usr/bin/env bash
# Fuzzes the file-format parsers with libFuzzer and AddressSanitizer, on one core.
#
# Usage: Scripts/fuzz.sh [TARGET] [SECONDS] [extra libFuzzer flags...]
#   TARGET   a fuzz target below (default: gzip); "list" prints them
#   SECONDS  how long to fuzz (libFuzzer's -max_total_time; default 60)
#
# Each target is compiled directly with swiftc (not SwiftPM) from the parser sources it needs plus
# its entry file Fuzz/Fuzz*.swift, which defines LLVMFuzzerTestOneInput. The fuzzer grows
# Fuzz/corpus-TARGET (git-ignored), seeded read-only from the target's seed directories. Crashes,
# leaks and timeouts are saved to Fuzz/.build/artifacts-TARGET/; reproduce one with
#   Fuzz/.build/fuzz-TARGET Fuzz/.build/artifacts-TARGET/crash-...
# and add it to the tests as a regression case once fixed.
#
# Adding a parser (e.g. a safetensors reader): write Fuzz/FuzzNAME.swift, then add a case to
# configure() listing its sources, entry file and seed directories, and its name to TARGETS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TARGETS="gzip safetensors"

# Sets SOURCES, ENTRY and SEEDS for target $1.
configure() {
  case "$1" in
    gzip)
      # DEFLATE, gzip and IDX: the data files that need only Foundation.
      SOURCES=(Sources/ByteFormats/{DataFormatError,CRC32,HuffmanTable,OutputBuffer,Inflate,GZip,IDX}.swift)
      ENTRY=Fuzz/FuzzGZip.swift
      SEEDS=(Tests/NNTests/Fixtures/gzip)
      ;;
    safetensors)
      # The checkpoint reader: it builds tensors, so it needs the Autograd sources as well.
      SOURCES=($(find Sources/AutogradKernels Sources/Autograd -name '*.swift' | sort) Sources/NN/Checkpoint/Safetensors.swift)
      ENTRY=Fuzz/FuzzSafetensors.swift
      SEEDS=(Fuzz/seeds-safetensors)
      ;;
    *)
      echo "unknown fuzz target '$1' (targets: $TARGETS)" >&2
      exit 2
      ;;
  esac
}

TARGET=${1:-gzip}
SECONDS_TO_RUN=${2:-60}
shift $(($# < 2 ? $# : 2))
if [[ $TARGET == list ]]; then
  echo "$TARGETS"
  exit 0
fi
configure "$TARGET"

SWIFTC=${SWIFTC:-swiftc}
BUILD=$ROOT/Fuzz/.build
BINARY=$BUILD/fuzz-$TARGET
ARTIFACTS=$BUILD/artifacts-$TARGET
CORPUS=$ROOT/Fuzz/corpus-$TARGET
mkdir -p "$BUILD" "$ARTIFACTS" "$CORPUS"

echo "== building $BINARY"
"$SWIFTC" -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
  -module-name "Fuzz_${TARGET//[^A-Za-z0-9]/_}" -package-name swift_autograd_fuzz \
  "${SOURCES[@]}" "$ENTRY" -o "$BINARY"

SEED_PATHS=()
for seed in "${SEEDS[@]}"; do SEED_PATHS+=("$ROOT/$seed"); done

echo "== fuzzing $TARGET for $SECONDS_TO_RUN s on one core (progress: tail -f $BUILD/fuzz-0.log)"
# -jobs/-workers run one fuzzing process whose output goes to fuzz-0.log in the working
# directory, so run from the build directory.
(
  cd "$BUILD"
  rm -f fuzz-0.log
  "$BINARY" "$CORPUS" "${SEED_PATHS[@]}" \
    -max_total_time="$SECONDS_TO_RUN" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$ARTIFACTS/" -print_final_stats=1 "$@" >fuzz-main.log 2>&1 || true
)

LOG=$BUILD/fuzz-0.log
grep -E '^(Done |stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
  "$LOG" || true
if grep -qE '^==[0-9]+==ERROR|ERROR: libFuzzer|^SUMMARY: ' "$LOG" || \
  [[ -n $(find "$ARTIFACTS" -type f -newer "$BINARY" -print -quit) ]]; then
  echo "== FINDINGS: see $LOG and $ARTIFACTS" >&2
  grep -E -A20 '^==[0-9]+==ERROR|ERROR: libFuzzer' "$LOG" | head -60 >&2 || true
  exit 1
fi
echo "== no findings; corpus: $(find "$CORPUS" -type f | wc -l) inputs in $CORPUS"
