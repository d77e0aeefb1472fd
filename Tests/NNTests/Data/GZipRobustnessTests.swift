import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Random, truncated and bit-flipped inputs: decoding must return or throw a
/// ``DataFormatError``, never crash or hang.
@Suite struct GZipRobustnessTests {
  /// Decodes `bytes` with every parser; returns the gzip result, or nil if it threw.
  private func decodeAll(_ bytes: [UInt8]) -> [UInt8]? {
    _ = try? Inflate.inflate(bytes, maximumOutputCount: 1 << 22)
    _ = try? IDXFile.parse(bytes, source: "random")
    do {
      return try GZip.decompress(bytes, source: "random", maximumOutputCount: 1 << 22)
    } catch is DataFormatError {
      return nil
    } catch {
      Issue.record("unexpected error type: \(error)")
      return nil
    }
  }

  @Test func randomBytesNeverCrash() {
    var random = SplitMix64(seed: 0x5EED)
    var failures = 0
    for iteration in 0..<1000 {
      let count = Int.random(in: 0..<600, using: &random)
      var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
      if iteration % 2 == 0 && count >= 10 {
        // A valid-looking header with a random deflate stream behind it.
        bytes.replaceSubrange(0..<4, with: [0x1F, 0x8B, 8, 0])
      }
      if decodeAll(bytes) == nil { failures += 1 }
    }
    // Random streams almost never carry a matching CRC-32 and ISIZE.
    #expect(failures >= 990)
  }

  @Test func truncationsAlwaysFail() throws {
    var random = SplitMix64(seed: 42)
    for name in DataTestSupport.fixtureNames where name != "multimember" {
      let bytes = try DataTestSupport.fixture("\(name).gz")
      for _ in 0..<60 {
        let count = Int.random(in: 0..<bytes.count, using: &random)
        #expect(decodeAll(Array(bytes[..<count])) == nil, "\(name) truncated to \(count) bytes")
      }
    }
  }

  @Test func bitFlipsAreDetectedOrHarmless() throws {
    var random = SplitMix64(seed: 7)
    for name in DataTestSupport.fixtureNames {
      let bytes = try DataTestSupport.fixture("\(name).gz")
      let original = try DataTestSupport.fixture("\(name).bin")
      for _ in 0..<50 {
        var flipped = bytes
        let index = Int.random(in: 0..<bytes.count, using: &random)
        flipped[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        // Either an error, or the flip hit a field that does not change the output (MTIME,
        // XFL, OS, FEXTRA contents, the name or comment), so the output must be unchanged.
        if let decoded = decodeAll(flipped) {
          #expect(decoded == original, "\(name): flip at \(index) went undetected")
        }
      }
    }
  }
}
