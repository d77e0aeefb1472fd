import Foundation

/// gzip (RFC 1952) decompression, in pure Swift.
///
/// Handles multi-member files and the FTEXT, FEXTRA, FNAME, FCOMMENT and FHCRC header fields,
/// and verifies each member's header CRC-16 (when present), CRC-32 and ISIZE.
public enum GZip {
  /// The largest output-to-input ratio DEFLATE can reach (a 258-byte match costs 2 bits).
  private static let maximumRatio = 1032

  /// Whether `bytes` starts with the gzip magic number `1f 8b`.
  public static func hasMagic(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// Reads and decompresses the gzip file at `url`; errors name the file's path.
  ///
  /// - Throws: ``DataFormatError`` if the file is malformed, or the file system's error if it
  ///   cannot be read.
  public static func decompress(contentsOf url: URL, maximumOutputCount: Int = .max) throws
    -> [UInt8]
  {
    let bytes = [UInt8](try Foundation.Data(contentsOf: url))
    return try decompress(bytes, source: url.path, maximumOutputCount: maximumOutputCount)
  }

  /// Decompresses the gzip data `data` (one or more members, concatenated).
  ///
  /// Zero bytes after the last member are ignored, like `gzip -d` does.
  /// - Parameters:
  ///   - data: The gzip file's bytes.
  ///   - source: A file path or label used in error messages.
  ///   - maximumOutputCount: The most output bytes to produce before failing.
  /// - Returns: The concatenated decompressed contents of all members.
  /// - Throws: ``DataFormatError`` if the data is malformed, truncated, fails a checksum or
  ///   exceeds `maximumOutputCount`.
  public static func decompress(
    _ data: [UInt8], source: String = "<memory>", maximumOutputCount: Int = .max
  ) throws -> [UInt8] {
    guard !data.isEmpty else {
      throw DataFormatError(source: source, offset: 0, message: "empty input: not a gzip file")
    }
    // The last member's ISIZE is the whole output size for single-member files; it is only a
    // hint, bounded by the largest size the input could possibly expand to.
    var expected = 0
    if data.count >= 18 {
      let tail = data.count - 4
      expected =
        Int(data[tail]) | Int(data[tail + 1]) << 8 | Int(data[tail + 2]) << 16
        | Int(data[tail + 3]) << 24
    }
    let (bound, overflow) = data.count.multipliedReportingOverflow(by: maximumRatio)
    if !overflow { expected = min(expected, bound) }
    var output = OutputBuffer(expectedCount: expected, limit: maximumOutputCount)

    try data.withUnsafeBufferPointer { input in
      var offset = 0
      var member = 0
      repeat {
        let headerEnd = try parseHeader(input, at: offset, member: member, source: source)
        let memberStart = output.count
        let end = try Inflate.inflate(
          input, startingAt: headerEnd, into: &output, source: source)
        try checkTrailer(
          input, at: end, output: output, memberStart: memberStart, source: source)
        offset = end + 8
        while offset < input.count && input[offset] == 0 { offset += 1 }
        member += 1
      } while offset < input.count
    }
    return try output.finish(source: source)
  }

  /// Reads a little-endian `UInt32` at `offset`; the caller checks the bounds.
  private static func readUInt32(_ input: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
    UInt32(input[offset]) | UInt32(input[offset + 1]) << 8 | UInt32(input[offset + 2]) << 16
      | UInt32(input[offset + 3]) << 24
  }

  /// Validates the member header at `offset` and returns the offset of its deflate stream.
  private static func parseHeader(
    _ input: UnsafeBufferPointer<UInt8>, at offset: Int, member: Int, source: String
  ) throws -> Int {
    func fail(_ message: String, at position: Int = offset) -> DataFormatError {
      DataFormatError(source: source, offset: position, message: message)
    }
    let available = input.count - offset
    if available >= 2 && (input[offset] != 0x1F || input[offset + 1] != 0x8B) {
      let found =
        "\(hexString(input[offset], digits: 2)) \(hexString(input[offset + 1], digits: 2))"
      if member == 0 {
        throw fail("not a gzip file (bad magic \(found), expected 0x1f 0x8b)")
      }
      throw fail("trailing garbage after gzip member \(member) (bytes \(found) are not gzip magic)")
    }
    guard available >= 10 else {
      throw fail("truncated input: gzip header needs 10 bytes, only \(available) left")
    }
    let method = input[offset + 2]
    guard method == 8 else {
      throw fail("unknown compression method \(method) (only 8, deflate, is defined)")
    }
    let flags = input[offset + 3]
    guard flags & 0xE0 == 0 else {
      throw fail("reserved gzip header flag bits set (FLG \(hexString(flags, digits: 2)))")
    }
    var position = offset + 10
    if flags & 0x04 != 0 {  // FEXTRA
      guard position + 2 <= input.count else {
        throw fail("truncated input: gzip header ends inside the FEXTRA length", at: position)
      }
      let extraLength = Int(input[position]) | Int(input[position + 1]) << 8
      position += 2
      guard position + extraLength <= input.count else {
        throw fail(
          "truncated input: gzip header FEXTRA field needs \(extraLength) bytes, "
            + "only \(input.count - position) left", at: position)
      }
      position += extraLength
    }
    for (flag, name) in [(UInt8(0x08), "FNAME"), (0x10, "FCOMMENT")] where flags & flag != 0 {
      while position < input.count && input[position] != 0 { position += 1 }
      guard position < input.count else {
        throw fail(
          "truncated input: gzip header \(name) field has no terminating zero byte",
          at: position)
      }
      position += 1
    }
    if flags & 0x02 != 0 {  // FHCRC
      guard position + 2 <= input.count else {
        throw fail("truncated input: gzip header ends inside the header CRC", at: position)
      }
      let stored = UInt16(input[position]) | UInt16(input[position + 1]) << 8
      let computed = UInt16(
        truncatingIfNeeded: CRC32.checksum(
          UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: input[offset..<position]))))
      guard stored == computed else {
        throw fail(
          "gzip header CRC-16 mismatch (stored \(hexString(stored, digits: 4)), "
            + "computed \(hexString(computed, digits: 4)))", at: position)
      }
      position += 2
    }
    return position
  }

  /// Checks the CRC-32 and ISIZE trailer at `offset` against the member's output.
  private static func checkTrailer(
    _ input: UnsafeBufferPointer<UInt8>, at offset: Int, output: OutputBuffer, memberStart: Int,
    source: String
  ) throws {
    guard offset + 8 <= input.count else {
      throw DataFormatError(
        source: source, offset: offset,
        message:
          "truncated input: gzip trailer needs 8 bytes, only \(input.count - offset) left")
    }
    let storedCRC = readUInt32(input, at: offset)
    let storedSize = readUInt32(input, at: offset + 4)
    let size = output.count - memberStart
    let computedCRC = output.storage.withUnsafeBytes { bytes in
      CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[memberStart..<output.count]))
    }
    guard storedCRC == computedCRC else {
      throw DataFormatError(
        source: source, offset: offset,
        message:
          "CRC-32 mismatch (stored \(hexString(storedCRC, digits: 8)), "
          + "computed \(hexString(computedCRC, digits: 8)))")
    }
    guard storedSize == UInt32(truncatingIfNeeded: size) else {
      throw DataFormatError(
        source: source, offset: offset + 4,
        message: "ISIZE mismatch (stored \(storedSize), decompressed \(size) bytes mod 2^32)")
    }
  }
}
