import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Broken gzip files, written to a temporary directory: each must fail with a message that
/// names the file and the problem.
@Suite struct GZipErrorTests {
  /// Writes `bytes` as `name` in a new temporary directory, decompresses it from disk and
  /// returns the error's description (checking it names the file).
  private func failure(_ bytes: [UInt8], named name: String) throws -> String {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try DataTestSupport.write(bytes, named: name, in: directory)
    let error = #expect(throws: DataFormatError.self) {
      try GZip.decompress(contentsOf: url)
    }
    let description = error?.description ?? ""
    #expect(description.hasPrefix(url.path + ": "), "\(description)")
    #expect(error?.source == url.path)
    return description
  }

  @Test func detectsCRCMismatch() throws {
    var bytes = try DataTestSupport.fixture("dynamic.gz")
    bytes[bytes.count - 8] ^= 0x01
    let message = try failure(bytes, named: "train-images-idx3-ubyte.gz")
    #expect(message.contains("CRC-32 mismatch (stored 0x"), "\(message)")
    #expect(message.contains(", computed 0x"), "\(message)")
  }

  @Test func detectsISIZEMismatch() throws {
    var bytes = try DataTestSupport.fixture("dynamic.gz")
    bytes[bytes.count - 4] &+= 1
    let message = try failure(bytes, named: "isize.gz")
    #expect(
      message.contains("ISIZE mismatch (stored 60001, decompressed 60000 bytes"), "\(message)")
  }

  @Test(arguments: [5, 9, 100, 5_000, 11_600, 11_643, 11_648])
  func detectsTruncation(keeping count: Int) throws {
    let bytes = try DataTestSupport.fixture("dynamic.gz")
    try #require(count < bytes.count)
    let message = try failure(Array(bytes[..<count]), named: "truncated.gz")
    #expect(message.contains("truncated input"), "\(message)")
  }

  @Test func detectsTruncatedHeaderFields() throws {
    let bytes = try DataTestSupport.fixture("headers.gz")
    for count in [11, 16, 25, 40, 60] {
      let message = try failure(Array(bytes[..<count]), named: "headers.gz")
      #expect(message.contains("truncated input: gzip header"), "\(message)")
    }
  }

  @Test func detectsHeaderCRC16Mismatch() throws {
    var bytes = try DataTestSupport.fixture("headers.gz")
    #expect(bytes[3] == 0x1E, "fixture sets FHCRC, FEXTRA, FNAME and FCOMMENT")
    var position = 12 + (Int(bytes[10]) | Int(bytes[11]) << 8)
    for _ in 0..<2 {
      while bytes[position] != 0 { position += 1 }
      position += 1
    }
    bytes[position] ^= 0xFF
    let message = try failure(bytes, named: "headers.gz")
    #expect(message.contains("header CRC-16 mismatch"), "\(message)")
  }

  @Test func detectsBadMagic() throws {
    var bytes = try DataTestSupport.fixture("dynamic.gz")
    bytes[1] = 0x8C
    let message = try failure(bytes, named: "magic.gz")
    #expect(message.contains("not a gzip file (bad magic 0x1f 0x8c"), "\(message)")
    let empty = try failure([], named: "empty.gz")
    #expect(empty.contains("empty input"), "\(empty)")
  }

  @Test func detectsUnknownMethodAndReservedFlags() throws {
    var bytes = try DataTestSupport.fixture("dynamic.gz")
    bytes[2] = 7
    let method = try failure(bytes, named: "method.gz")
    #expect(method.contains("unknown compression method 7"), "\(method)")
    bytes[2] = 8
    bytes[3] = 0x20
    let flags = try failure(bytes, named: "flags.gz")
    #expect(flags.contains("reserved gzip header flag bits"), "\(flags)")
  }

  @Test func detectsTrailingGarbage() throws {
    let bytes = try DataTestSupport.fixture("empty.gz") + [0x50, 0x4B, 3, 4]
    let message = try failure(bytes, named: "garbage.gz")
    #expect(message.contains("trailing garbage after gzip member 1"), "\(message)")
  }

  @Test func detectsReservedBlockType() throws {
    var writer = BitWriter()
    writer.write(1, bits: 1)
    writer.write(3, bits: 2)
    let bytes = DataTestSupport.gzipMember(deflate: writer.bytes + [0, 0, 0, 0])
    let message = try failure(bytes, named: "btype.gz")
    #expect(message.contains("invalid block type 3 (reserved)"), "\(message)")
  }

  @Test func detectsInvalidHuffmanCodes() throws {
    var literal = BitWriter()
    literal.write(1, bits: 1)
    literal.write(1, bits: 2)
    literal.writeFixedLiteralLength(286)  // has a fixed code but is not a valid symbol
    let message = try failure(
      DataTestSupport.gzipMember(deflate: literal.bytes + [0, 0]), named: "symbol.gz")
    #expect(message.contains("invalid Huffman code in the literal/length alphabet"), "\(message)")

    var distance = BitWriter()
    distance.write(1, bits: 1)
    distance.write(1, bits: 2)
    distance.writeFixedLiteralLength(65)
    distance.writeFixedLiteralLength(257)
    distance.writeCode(30, length: 5)  // distance symbol 30 is not valid
    let distanceMessage = try failure(
      DataTestSupport.gzipMember(deflate: distance.bytes + [0, 0]), named: "distance.gz")
    #expect(
      distanceMessage.contains("invalid Huffman code in the distance alphabet"),
      "\(distanceMessage)")
  }

  /// A dynamic block header declaring the given code-length code lengths (in storage order).
  private func dynamicHeader(codeLengthLengths: [Int]) -> [UInt8] {
    var writer = BitWriter()
    writer.write(1, bits: 1)
    writer.write(2, bits: 2)
    writer.write(0, bits: 5)  // 257 literal/length codes
    writer.write(0, bits: 5)  // 1 distance code
    writer.write(codeLengthLengths.count - 4, bits: 4)
    for length in codeLengthLengths { writer.write(length, bits: 3) }
    return writer.bytes + [UInt8](repeating: 0, count: 16)
  }

  @Test func detectsBadCodeLengths() throws {
    let over = try failure(
      DataTestSupport.gzipMember(deflate: dynamicHeader(codeLengthLengths: [1, 1, 1, 1])),
      named: "over.gz")
    #expect(over.contains("invalid code-length code lengths: over-subscribed"), "\(over)")
    let incomplete = try failure(
      DataTestSupport.gzipMember(deflate: dynamicHeader(codeLengthLengths: [0, 0, 0, 2])),
      named: "incomplete.gz")
    #expect(incomplete.contains("invalid code-length code lengths: incomplete"), "\(incomplete)")
  }

  @Test func detectsIncompleteLiteralLengthCode() throws {
    // Code-length code: symbols 8 and 18 with 1-bit codes (18 → code 1, 8 → code 0).
    var writer = BitWriter()
    writer.write(1, bits: 1)
    writer.write(2, bits: 2)
    writer.write(0, bits: 5)  // 257 literal/length codes
    writer.write(0, bits: 5)  // 1 distance code
    writer.write(1, bits: 4)  // 5 code-length code lengths: 16, 17, 18, 0, 8
    for length in [0, 0, 1, 0, 1] { writer.write(length, bits: 3) }
    // Literal/length lengths: 8 for symbols 0–137, 0 for 138–255, 8 for 256 → incomplete.
    writer.writeCode(0, length: 1)
    for _ in 0..<137 { writer.writeCode(0, length: 1) }
    writer.writeCode(1, length: 1)
    writer.write(118 - 11, bits: 7)  // 118 zeros: symbols 138–255
    writer.writeCode(0, length: 1)  // symbol 256: length 8
    writer.writeCode(0, length: 1)  // the distance code: length 8
    let message = try failure(
      DataTestSupport.gzipMember(deflate: writer.bytes + [0, 0, 0, 0]), named: "litlen.gz")
    #expect(
      message.contains("invalid literal/length code lengths: incomplete Huffman code"),
      "\(message)")
  }

  @Test func detectsDistanceTooFarBack() throws {
    var writer = BitWriter()
    writer.write(1, bits: 1)
    writer.write(1, bits: 2)
    writer.writeFixedLiteralLength(Int(UInt8(ascii: "a")))
    writer.writeFixedLiteralLength(257)  // length 3
    writer.writeCode(1, length: 5)  // distance 2, but only 1 byte decoded
    writer.writeFixedLiteralLength(256)
    let message = try failure(
      DataTestSupport.gzipMember(deflate: writer.bytes + [0, 0]), named: "far.gz")
    #expect(message.contains("invalid distance too far back (2 bytes"), "\(message)")
  }

  @Test func detectsDistanceIntoPreviousMember() throws {
    // Each member has its own window: a match may not reach into the previous member's output.
    var writer = BitWriter()
    writer.write(1, bits: 1)
    writer.write(1, bits: 2)
    writer.writeFixedLiteralLength(257)
    writer.writeCode(0, length: 5)  // distance 1 with nothing decoded in this member
    writer.writeFixedLiteralLength(256)
    let second = DataTestSupport.gzipMember(deflate: writer.bytes + [0, 0])
    let message = try failure(
      try DataTestSupport.fixture("dynamic.gz") + second, named: "members.gz")
    #expect(message.contains("invalid distance too far back (1 bytes"), "\(message)")
  }

  @Test func detectsStoredLengthMismatch() throws {
    let deflate: [UInt8] = [0x01, 5, 0, 0, 0] + Array("hello".utf8)
    let message = try failure(DataTestSupport.gzipMember(deflate: deflate), named: "stored.gz")
    #expect(
      message.contains("stored block length check failed (LEN 0x0005, NLEN 0x0000"), "\(message)")
  }
}
