/// The growable output of the DEFLATE decoder.
///
/// `storage.count` is the capacity; only the first `count` bytes are decoded output. The decoder
/// writes past `count` (up to 16 bytes of slack when copying matches in 8-byte chunks), so it
/// always keeps at least ``OutputBuffer/slack`` bytes of room before decoding a symbol.
struct OutputBuffer {
  /// Room kept free before each symbol: the longest match (258) plus chunked-copy overshoot.
  static let slack = 258 + 16

  /// The bytes; those at and after `count` are scratch space.
  var storage: [UInt8]
  /// The number of decoded bytes.
  var count = 0
  /// The largest number of output bytes accepted before decoding fails.
  let limit: Int

  /// Creates a buffer with room for `expectedCount` bytes, accepting at most `limit` bytes.
  init(expectedCount: Int, limit: Int) {
    let capacity = max(0, min(expectedCount, limit)) + OutputBuffer.slack
    storage = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
      // UInt8 is trivial: leaving the bytes uninitialised is safe, they are written before use.
      initialized = buffer.count
    }
    self.limit = limit
  }

  /// Makes room for at least `minimumFree` more bytes, failing if that passes the limit.
  mutating func reserve(_ minimumFree: Int, source: String) throws {
    let free = storage.count - count
    if free >= minimumFree { return }
    if count > limit {
      throw DataFormatError(
        source: source, message: "decompressed size exceeds the limit of \(limit) bytes")
    }
    let growth = max(minimumFree - free, storage.count, 1 << 16)
    storage.append(contentsOf: repeatElement(0, count: growth))
  }

  /// The decoded bytes, failing if they are more than the limit.
  mutating func finish(source: String) throws -> [UInt8] {
    if count > limit {
      throw DataFormatError(
        source: source, message: "decompressed size exceeds the limit of \(limit) bytes")
    }
    storage.removeSubrange(count...)
    return storage
  }
}
