import Foundation
import Testing

@testable import NN
@testable import ByteFormats

/// Parsing IDX files of every element type and rank, and rejecting malformed ones.
@Suite struct IDXTests {
  /// An IDX file of `type` with `shape` and the given payload.
  private func idx(_ type: UInt8, _ shape: [Int], _ payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
    for dimension in shape {
      bytes += (0..<4).reversed().map { UInt8(truncatingIfNeeded: dimension >> (8 * $0)) }
    }
    return bytes + payload
  }

  @Test func parsesUInt8Images() throws {
    let payload = (0..<24).map { UInt8($0 * 10) }
    let file = try IDXFile.parse(idx(0x08, [2, 3, 4], payload), source: "images")
    #expect(file.elementType == .uint8)
    #expect(file.shape == [2, 3, 4])
    #expect(file.count == 24)
    #expect(try file.asUInt8() == payload)
    #expect(file.asFloat() == payload.map(Float.init))
  }

  @Test func convertsEveryElementTypeFromBigEndian() throws {
    let int8 = try IDXFile.parse(idx(0x09, [3], [0xFF, 0x7F, 0x80]), source: "s")
    #expect(int8.asFloat() == [-1, 127, -128])
    let int16 = try IDXFile.parse(idx(0x0B, [2], [0x01, 0x02, 0xFF, 0xFE]), source: "s")
    #expect(int16.asFloat() == [258, -2])
    let int32 = try IDXFile.parse(
      idx(0x0C, [2], [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFD]), source: "s")
    #expect(int32.asFloat() == [65536, -3])
    let float32 = try IDXFile.parse(
      idx(0x0D, [1, 2], [0x3F, 0xC0, 0, 0, 0xC1, 0x20, 0, 0]), source: "s")
    #expect(float32.shape == [1, 2])
    #expect(float32.asFloat() == [1.5, -10])
    let float64 = try IDXFile.parse(
      idx(0x0E, [1], [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]), source: "s")
    #expect(float64.asFloat() == [Float(Double.pi)])
    #expect(throws: DataFormatError.self) { try float64.asUInt8() }
  }

  @Test func acceptsAnyRank() throws {
    let scalar = try IDXFile.parse(idx(0x08, [], [42]), source: "s")
    #expect(scalar.shape == [])
    #expect(try scalar.asUInt8() == [42])
    let rank5 = try IDXFile.parse(idx(0x08, [1, 2, 1, 2, 1], [1, 2, 3, 4]), source: "s")
    #expect(rank5.shape == [1, 2, 1, 2, 1])
    let empty = try IDXFile.parse(idx(0x0D, [0, 28, 28], []), source: "s")
    #expect(empty.count == 0 && empty.asFloat().isEmpty)
  }

  /// Parses `bytes` written to a temporary file named `name` and returns the error description,
  /// checking it names the file.
  private func failure(_ bytes: [UInt8], named name: String) throws -> String {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try DataTestSupport.write(bytes, named: name, in: directory)
    let error = #expect(throws: DataFormatError.self) { try IDXFile.read(contentsOf: url) }
    let description = error?.description ?? ""
    #expect(description.hasPrefix(url.path + ": "), "\(description)")
    return description
  }

  @Test func rejectsBadMagic() throws {
    let message = try failure([0x01, 0, 0x08, 1, 0, 0, 0, 1, 7], named: "train-labels")
    #expect(message.contains("bad IDX magic number 0x01000801"), "\(message)")
    let type = try failure(idx(0x0A, [1], [7]), named: "t10k-labels")
    #expect(type.contains("unknown IDX element type code 0x0a"), "\(type)")
  }

  @Test func rejectsWrongPayloadLength() throws {
    let short = try failure(
      idx(0x08, [2, 28, 28], [UInt8](repeating: 0, count: 1000)), named: "short")
    #expect(short.contains("IDX payload has 1000 bytes, expected 1568"), "\(short)")
    #expect(short.contains("truncated"), "\(short)")
    let long = try failure(idx(0x0B, [3], [UInt8](repeating: 0, count: 7)), named: "long")
    #expect(long.contains("IDX payload has 7 bytes, expected 6"), "\(long)")
  }

  @Test func rejectsTruncatedHeaderAndOverflow() throws {
    let header = try failure([0, 0, 0x08, 3, 0, 0, 0, 1], named: "header")
    #expect(header.contains("truncated IDX header: rank 3 needs 16 header bytes"), "\(header)")
    let tiny = try failure([0, 0], named: "tiny")
    #expect(tiny.contains("truncated IDX header"), "\(tiny)")
    let huge = [Int](repeating: 0xFFFF_FFFF, count: 3)
    let overflow = try failure(idx(0x0E, huge, []), named: "overflow")
    #expect(overflow.contains("overflow"), "\(overflow)")
  }

  @Test func readsIDXFixtureCompressedAndNot() throws {
    let directory = DataTestSupport.gzipFixtures
    for name in ["tiny-idx3-ubyte.gz", "tiny-idx3-ubyte.bin"] {
      let file = try IDXFile.read(contentsOf: directory.appendingPathComponent(name))
      #expect(file.shape == [3, 4, 5])
      #expect(try file.asUInt8() == (0..<60).map { UInt8($0 * 4) })
    }
  }

  @Test func readsGzipCompressedIDX() throws {
    let directory = try DataTestSupport.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // A stored-block gzip member holding a 2×2 uint8 IDX file.
    let file = idx(0x08, [2, 2], [1, 2, 3, 4])
    let length = UInt8(file.count)
    let gzip = DataTestSupport.gzipMember(
      deflate: [0x01, length, 0, ~length, 0xFF] + file, original: file)
    let url = try DataTestSupport.write(gzip, named: "tiny-idx1-ubyte.gz", in: directory)
    let parsed = try IDXFile.read(contentsOf: url)
    #expect(parsed.shape == [2, 2])
    #expect(try parsed.asUInt8() == [1, 2, 3, 4])
  }
}
