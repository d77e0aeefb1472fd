#!/usr/bin/env python3
"""Writes the small gzip test fixtures: for each NAME, NAME.bin (original) and NAME.gz.

Usage: python3 Scripts/make_gzip_fixtures.py [OUTPUT_DIR]
(default: Tests/NNTests/Fixtures/gzip next to this script's repository root).

Everything is deterministic (fixed seeds, mtime 0), so rerunning gives identical files.
"""
import gzip
import random
import struct
import sys
import zlib
from pathlib import Path

WORDS = (
    "the quick brown fox jumps over a lazy dog while seven tensors flow through "
    "gradient descent and the loss goes down slowly as each epoch passes by"
).split()


def text(seed, size):
    """Pseudo-English text of `size` bytes."""
    rng = random.Random(seed)
    words = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return (" ".join(words).encode())[:size]


def skewed(seed, size):
    """Bytes with a geometric distribution: rare bytes get Huffman codes of 11-15 bits."""
    rng = random.Random(seed)
    weights = [0.7**i for i in range(256)]
    return bytes(rng.choices(range(256), weights=weights, k=size))


def deflate_raw(data, level=9, strategy=zlib.Z_DEFAULT_STRATEGY):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return compressor.compress(data) + compressor.flush()


def gzip_member(data, level=9, strategy=zlib.Z_DEFAULT_STRATEGY):
    """A gzip member written with zlib itself (wbits 31), with mtime 0."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31, 9, strategy)
    return compressor.compress(data) + compressor.flush()


def with_all_header_fields(data):
    """A member with FEXTRA, FNAME, FCOMMENT and FHCRC, crafted by hand (gzip can't write them)."""
    flags = 0x02 | 0x04 | 0x08 | 0x10
    header = bytes([0x1F, 0x8B, 8, flags]) + struct.pack("<I", 0) + bytes([2, 3])
    extra = b"AB" + struct.pack("<H", 4) + b"swft"
    header += struct.pack("<H", len(extra)) + extra
    header += b"headers.bin\x00" + b"a comment for the FCOMMENT field\x00"
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return header + deflate_raw(data) + trailer


def fixtures():
    """(name, original bytes, gzip bytes) for every fixture."""
    prose = text(1, 60_000)
    first, second = text(2, 5_000), skewed(3, 4_000)
    noise = random.Random(4).randbytes(20_000)
    long_range = random.Random(5).randbytes(1_000)
    # Repeats 32,000+ bytes back and long runs: exercises the largest distances and lengths.
    window = long_range + bytes(31_800) + long_range + b"ab" * 2_000 + long_range
    small = b"Hello, Hello, Hello! DEFLATE fixed Huffman codes."
    # An IDX file (uint8, 3 images of 4x5), as in MNIST: also seeds the IDX fuzzer.
    idx = struct.pack(">IIII", 0x0803, 3, 4, 5) + bytes(range(0, 240, 4))
    return [
        ("stored", text(6, 70_000), gzip.compress(text(6, 70_000), compresslevel=0, mtime=0)),
        ("fixed", prose[:20_000], gzip_member(prose[:20_000], strategy=zlib.Z_FIXED)),
        ("fixed-short", small, gzip.compress(small, compresslevel=1, mtime=0)),
        ("dynamic", prose, gzip.compress(prose, compresslevel=9, mtime=0)),
        ("skewed", skewed(7, 60_000), gzip.compress(skewed(7, 60_000), compresslevel=9, mtime=0)),
        ("window", window, gzip.compress(window, compresslevel=9, mtime=0)),
        ("empty", b"", gzip.compress(b"", mtime=0)),
        ("multimember", first + second,
         gzip.compress(first, mtime=0) + gzip.compress(second, compresslevel=1, mtime=0)),
        ("random", noise, gzip.compress(noise, compresslevel=6, mtime=0)),
        ("headers", prose[:3_000], with_all_header_fields(prose[:3_000])),
        ("tiny-idx3-ubyte", idx, gzip.compress(idx, compresslevel=9, mtime=0)),
    ]


def main():
    default = Path(__file__).resolve().parent.parent / "Tests" / "NNTests" / "Fixtures" / "gzip"
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    output.mkdir(parents=True, exist_ok=True)
    for name, original, compressed in fixtures():
        assert gzip.decompress(compressed) == original, name
        (output / f"{name}.bin").write_bytes(original)
        (output / f"{name}.gz").write_bytes(compressed)
        print(f"{name}: {len(original)} bytes -> {len(compressed)} bytes")


if __name__ == "__main__":
    main()
