import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Decoding the committed gzip fixtures (made by Scripts/make_gzip_fixtures.py with zlib).
@Suite struct GZipTests {
  @Test(arguments: DataTestSupport.fixtureNames)
  func decodesFixture(_ name: String) throws {
    let compressed = try DataTestSupport.fixture("\(name).gz")
    let original = try DataTestSupport.fixture("\(name).bin")
    let decoded = try GZip.decompress(compressed, source: "\(name).gz")
    #expect(decoded.count == original.count)
    #expect(decoded == original)
  }

  @Test func decodesFileByURL() throws {
    let url = DataTestSupport.gzipFixtures.appendingPathComponent("dynamic.gz")
    let decoded = try GZip.decompress(contentsOf: url)
    #expect(decoded == (try DataTestSupport.fixture("dynamic.bin")))
  }

  @Test func inflatesRawDeflateStream() throws {
    // dynamic.gz has a bare 10-byte header and an 8-byte trailer around its deflate stream.
    let compressed = try DataTestSupport.fixture("dynamic.gz")
    #expect(compressed[3] == 0, "fixture has no optional header fields")
    let raw = Array(compressed[10..<(compressed.count - 8)])
    #expect(try Inflate.inflate(raw) == (try DataTestSupport.fixture("dynamic.bin")))
  }

  @Test func inflatesHandWrittenFixedAndStoredBlocks() throws {
    var writer = BitWriter()
    writer.write(0, bits: 1)  // not final
    writer.write(1, bits: 2)  // fixed Huffman
    for byte in Array("abc".utf8) { writer.writeFixedLiteralLength(Int(byte)) }
    writer.writeFixedLiteralLength(258)  // length 4
    writer.writeCode(2, length: 5)  // distance 3
    writer.writeFixedLiteralLength(256)
    writer.write(1, bits: 1)  // final
    writer.write(0, bits: 2)  // stored
    var bytes = writer.bytes
    bytes += [2, 0, 0xFD, 0xFF] + Array("!?".utf8)
    #expect(try Inflate.inflate(bytes) == Array("abcabca!?".utf8))
  }

  @Test func ignoresTrailingZeroPadding() throws {
    let compressed = try DataTestSupport.fixture("dynamic.gz") + [0, 0, 0, 0]
    #expect(try GZip.decompress(compressed) == (try DataTestSupport.fixture("dynamic.bin")))
  }

  @Test func enforcesOutputLimit() throws {
    let compressed = try DataTestSupport.fixture("window.gz")
    let error = #expect(throws: DataFormatError.self) {
      try GZip.decompress(compressed, source: "window.gz", maximumOutputCount: 1000)
    }
    #expect(error?.description.contains("exceeds the limit of 1000 bytes") == true)
    #expect(try GZip.decompress(compressed, maximumOutputCount: 38_800).count == 38_800)
  }

  @Test func crc32MatchesKnownValues() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
    let text = Array("The quick brown fox jumps over the lazy dog".utf8)
    #expect(CRC32.checksum(text) == 0x414F_A339)
    let split = CRC32.checksum(Array(text[13...]), initial: CRC32.checksum(Array(text[..<13])))
    #expect(split == 0x414F_A339)
  }
}
