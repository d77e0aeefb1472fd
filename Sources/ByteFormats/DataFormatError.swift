/// An error thrown when a data file (gzip, DEFLATE, IDX, …) is malformed or truncated.
///
/// The description names the file and the problem, for example
/// `train-images-idx3-ubyte.gz: CRC-32 mismatch (stored 0x1234abcd, computed 0x0badf00d)`.
public struct DataFormatError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file path (or another label such as `<memory>`) of the malformed data.
  public let source: String
  /// The byte offset in the input at which the problem was detected, when known.
  public let offset: Int?
  /// What is wrong, without the source prefix.
  public let message: String

  /// Creates an error for `source` with an optional byte `offset` and a `message`.
  public init(source: String, offset: Int? = nil, message: String) {
    self.source = source
    self.offset = offset
    self.message = message
  }

  /// `source: message`, followed by the byte offset when known.
  public var description: String {
    if let offset {
      return "\(source): \(message) (at byte offset \(offset))"
    }
    return "\(source): \(message)"
  }
}

/// Formats `value` as `0x` followed by `digits` lowercase hexadecimal digits.
func hexString<T: BinaryInteger>(_ value: T, digits: Int) -> String {
  let text = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
}
