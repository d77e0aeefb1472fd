import Foundation

/// The element type of an IDX file, from the third byte of its magic number.
public enum IDXElementType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
  /// Unsigned bytes (code `0x08`).
  case uint8 = 0x08
  /// Signed bytes (code `0x09`).
  case int8 = 0x09
  /// Big-endian 16-bit signed integers (code `0x0B`).
  case int16 = 0x0B
  /// Big-endian 32-bit signed integers (code `0x0C`).
  case int32 = 0x0C
  /// Big-endian 32-bit IEEE floats (code `0x0D`).
  case float32 = 0x0D
  /// Big-endian 64-bit IEEE floats (code `0x0E`).
  case float64 = 0x0E

  /// The size of one element in bytes.
  public var byteCount: Int {
    switch self {
    case .uint8, .int8: 1
    case .int16: 2
    case .int32, .float32: 4
    case .float64: 8
    }
  }

  /// The type's name and code, e.g. `uint8 (0x08)`.
  public var description: String { "\(name) (\(hexString(rawValue, digits: 2)))" }

  private var name: String {
    switch self {
    case .uint8: "uint8"
    case .int8: "int8"
    case .int16: "int16"
    case .int32: "int32"
    case .float32: "float32"
    case .float64: "float64"
    }
  }
}

/// A parsed IDX file: the format of MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST).
///
/// An IDX file is a magic number `0x0000TTNN` (element type `TT`, rank `NN`), `NN` big-endian
/// `UInt32` dimensions, then the elements in row-major order, big-endian.
public struct IDXFile: Sendable {
  /// The type of each element.
  public let elementType: IDXElementType
  /// The dimensions, outermost first (for MNIST images `[count, rows, columns]`).
  public let shape: [Int]
  /// The raw, big-endian element bytes.
  public let payload: [UInt8]
  /// The file path (or label) the file was parsed from, used in error messages.
  public let source: String

  /// The number of elements (the product of `shape`; 1 for rank 0).
  public var count: Int { shape.reduce(1, *) }

  /// Parses the IDX file `bytes`, naming `source` in errors.
  ///
  /// - Throws: ``DataFormatError`` if the magic number is wrong, the header is truncated, the
  ///   dimensions overflow, or the payload length is not the product of the dimensions times the
  ///   element size.
  public static func parse(_ bytes: [UInt8], source: String) throws -> IDXFile {
    func fail(_ message: String, at offset: Int? = nil) -> DataFormatError {
      DataFormatError(source: source, offset: offset, message: message)
    }
    guard bytes.count >= 4 else {
      throw fail("truncated IDX header: \(bytes.count) bytes, the magic number needs 4")
    }
    let magic = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard bytes[0] == 0, bytes[1] == 0 else {
      throw fail(
        "bad IDX magic number \(hexString(magic, digits: 8)) (expected 0x0000TTNN: "
          + "two zero bytes, a type code and a rank); is this an IDX file?", at: 0)
    }
    guard let elementType = IDXElementType(rawValue: bytes[2]) else {
      throw fail(
        "unknown IDX element type code \(hexString(bytes[2], digits: 2)) in magic number "
          + "\(hexString(magic, digits: 8)) (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)",
        at: 2)
    }
    let rank = Int(bytes[3])
    let headerCount = 4 + 4 * rank
    guard bytes.count >= headerCount else {
      throw fail(
        "truncated IDX header: rank \(rank) needs \(headerCount) header bytes, "
          + "the file has \(bytes.count)")
    }
    var shape: [Int] = []
    shape.reserveCapacity(rank)
    var elementCount = 1
    var overflow = false
    for axis in 0..<rank {
      let offset = 4 + 4 * axis
      let dimension = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
      shape.append(dimension)
      if !overflow {
        (elementCount, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
      }
    }
    var payloadCount = 0
    if !overflow {
      (payloadCount, overflow) = elementCount.multipliedReportingOverflow(
        by: elementType.byteCount)
    }
    let dimensions = shape.map(String.init).joined(separator: "×")
    guard !overflow else {
      throw fail("IDX dimensions \(dimensions) overflow: the element count is too large")
    }
    let actual = bytes.count - headerCount
    guard actual == payloadCount else {
      throw fail(
        "IDX payload has \(actual) bytes, expected \(payloadCount) "
          + "(\(dimensions) elements of \(elementType.byteCount) byte(s))"
          + (actual < payloadCount ? "; the file is truncated" : "; the file has extra bytes"))
    }
    return IDXFile(
      elementType: elementType, shape: shape, payload: Array(bytes[headerCount...]), source: source)
  }

  /// Reads and parses the IDX file at `url`, gunzipping it first if it is gzip-compressed
  /// (detected by the gzip magic number, whatever the file name).
  ///
  /// - Throws: ``DataFormatError`` naming the file if it is malformed, or the file system's
  ///   error if it cannot be read.
  public static func read(contentsOf url: URL) throws -> IDXFile {
    var bytes = [UInt8](try Foundation.Data(contentsOf: url))
    if GZip.hasMagic(bytes) {
      bytes = try GZip.decompress(bytes, source: url.path)
    }
    return try parse(bytes, source: url.path)
  }

  /// The elements as bytes, without conversion.
  ///
  /// - Throws: ``DataFormatError`` unless the element type is ``IDXElementType/uint8``.
  public func asUInt8() throws -> [UInt8] {
    guard elementType == .uint8 else {
      throw DataFormatError(
        source: source, message: "expected uint8 (0x08) elements, the file has \(elementType)")
    }
    return payload
  }

  /// The elements converted to `Float`, whatever their type (doubles are rounded).
  public func asFloat() -> [Float] {
    let count = payload.count / elementType.byteCount
    return payload.withUnsafeBytes { raw -> [Float] in
      switch elementType {
      case .uint8:
        return raw.map { Float($0) }
      case .int8:
        return raw.map { Float(Int8(bitPattern: $0)) }
      case .int16:
        return (0..<count).map {
          Float(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)))
        }
      case .int32:
        return (0..<count).map {
          Float(Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)))
        }
      case .float32:
        return (0..<count).map {
          Float(
            bitPattern: UInt32(
              bigEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
        }
      case .float64:
        return (0..<count).map {
          Float(
            Double(
              bitPattern: UInt64(
                bigEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))))
        }
      }
    }
  }
}
