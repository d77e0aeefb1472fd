import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Locations and helpers shared by the data-layer tests.
enum DataTestSupport {
  /// The directory holding the gzip fixtures (`NAME.gz` with its original `NAME.bin`):
  /// `Tests/NNTests/Fixtures/gzip`, found from this file (the test target excludes `Fixtures`).
  static let gzipFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/gzip", isDirectory: true)

  /// The names of all gzip fixtures.
  static let fixtureNames = [
    "stored", "fixed", "fixed-short", "dynamic", "skewed", "window", "empty", "multimember",
    "random", "headers", "tiny-idx3-ubyte",
  ]

  /// The bytes of fixture file `name` (with extension).
  static func fixture(_ name: String) throws -> [UInt8] {
    [UInt8](try Foundation.Data(contentsOf: gzipFixtures.appendingPathComponent(name)))
  }

  /// A new empty temporary directory.
  static func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("swift-autograd-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes `bytes` to `name` in `directory` and returns its URL.
  static func write(_ bytes: [UInt8], named name: String, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Foundation.Data(bytes).write(to: url)
    return url
  }

  /// Wraps a raw deflate stream in a minimal gzip header and the trailer of `original`.
  static func gzipMember(deflate: [UInt8], original: [UInt8] = []) -> [UInt8] {
    let crc = CRC32.checksum(original)
    let size = UInt32(truncatingIfNeeded: original.count)
    return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + deflate
      + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
      + (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
  }
}

/// Writes a DEFLATE bit stream: fields least significant bit first, Huffman codes most
/// significant bit first.
struct BitWriter {
  /// The bytes written so far (the last one possibly partial).
  private(set) var bytes: [UInt8] = []
  private var bitCount = 0

  /// Appends the low `count` bits of `value`, least significant first.
  mutating func write(_ value: Int, bits count: Int) {
    for bit in 0..<count {
      if bitCount % 8 == 0 { bytes.append(0) }
      if value >> bit & 1 != 0 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
      bitCount += 1
    }
  }

  /// Appends a `length`-bit Huffman code, most significant bit first.
  mutating func writeCode(_ code: Int, length: Int) {
    for bit in stride(from: length - 1, through: 0, by: -1) {
      write(code >> bit & 1, bits: 1)
    }
  }

  /// Appends the fixed-Huffman code of literal/length `symbol` (RFC 1951, 3.2.6).
  mutating func writeFixedLiteralLength(_ symbol: Int) {
    switch symbol {
    case 0..<144: writeCode(0x30 + symbol, length: 8)
    case 144..<256: writeCode(0x190 + symbol - 144, length: 9)
    case 256..<280: writeCode(symbol - 256, length: 7)
    default: writeCode(0xC0 + symbol - 280, length: 8)
    }
  }
}

/// A small deterministic random generator (SplitMix64) for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  /// Creates a generator whose stream is fixed by `seed`.
  init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
