#!/usr/bin/env bash
# Compares our pure-Swift gunzip (GZip.decompress) with zlib (Python's gzip.decompress).
#
# Usage: Scripts/bench_gunzip.sh [FILE.gz] [RUNS]
#   FILE.gz  default: Data/MNIST/train-images-idx3-ubyte.gz (47 MB decompressed)
#   RUNS     runs per decoder, the median is reported (default 7, at least 5)
#
# The Swift side is Scripts/GunzipBench/main.swift compiled with the data sources into one
# optimised module (swiftc -O, the same code a `-c release` build runs), in .build/gunzip-bench.
# It also checks that both decoders produce identical bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=${1:-Data/MNIST/train-images-idx3-ubyte.gz}
RUNS=${2:-7}
((RUNS >= 5)) || RUNS=5
SWIFTC=${SWIFTC:-swiftc}
BUILD=.build/gunzip-bench
mkdir -p "$BUILD"

"$SWIFTC" -O -wmo -module-name GunzipBench -Xcc -mavx2 -Xcc -mfma \
  Sources/ByteFormats/{DataFormatError,CRC32,HuffmanTable,OutputBuffer,Inflate,GZip}.swift \
  Scripts/GunzipBench/main.swift -o "$BUILD/gunzip-bench"

read -r SWIFT_MS SWIFT_BYTES < <("$BUILD/gunzip-bench" "$FILE" "$RUNS" "$BUILD/swift.out")
read -r ZLIB_MS ZLIB_BYTES < <(python3 - "$FILE" "$RUNS" "$BUILD/swift.out" <<'PY'
import gzip, statistics, sys, time, zlib
path, runs, swift_out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(path, "rb").read()
times = []
for _ in range(runs):
    start = time.perf_counter()
    out = gzip.decompress(data)
    times.append((time.perf_counter() - start) * 1000)
if open(swift_out, "rb").read() != out:
    sys.exit("MISMATCH: Swift and zlib decompressed different bytes")
print(f"{statistics.median(times):.2f}", len(out))
PY
)
rm -f "$BUILD/swift.out"

echo "file:  $FILE ($SWIFT_BYTES bytes decompressed, identical)"
echo "swift: $SWIFT_MS ms (median of $RUNS)"
echo "zlib:  $ZLIB_MS ms (median of $RUNS, Python $(python3 -c 'import zlib; print("zlib", zlib.ZLIB_RUNTIME_VERSION)'))"
python3 -c "print(f'ratio: {$SWIFT_MS / $ZLIB_MS:.2f}x (swift / zlib; the requirement is <= 2x)')"
