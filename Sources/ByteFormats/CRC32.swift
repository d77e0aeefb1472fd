/// The CRC-32 checksum used by gzip, zlib and PNG (IEEE 802.3, reflected polynomial `0xEDB88320`).
///
/// Table-driven with slicing-by-8: eight bytes are folded in per step.
public enum CRC32 {
  /// Eight 256-entry tables, table `k` at offset `256 * k`.
  private static let tables: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 256 * 8)
    for index in 0..<256 {
      var crc = UInt32(index)
      for _ in 0..<8 {
        crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
      }
      table[index] = crc
    }
    for index in 0..<256 {
      for slice in 1..<8 {
        let previous = table[256 * (slice - 1) + index]
        table[256 * slice + index] = (previous >> 8) ^ table[Int(previous & 0xFF)]
      }
    }
    return table
  }()

  /// The CRC-32 of `bytes`, continuing from `initial` (the checksum of the preceding bytes).
  public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    guard var pointer = bytes.baseAddress, !bytes.isEmpty else { return initial }
    var remaining = bytes.count
    var crc = ~initial
    tables.withUnsafeBufferPointer { table in
      let t = table.baseAddress!
      while remaining >= 8 {
        let low = crc ^ UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self))
        let high = UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        crc =
          t[1792 + Int(low & 0xFF)] ^ t[1536 + Int((low >> 8) & 0xFF)]
          ^ t[1280 + Int((low >> 16) & 0xFF)] ^ t[1024 + Int(low >> 24)]
          ^ t[768 + Int(high & 0xFF)] ^ t[512 + Int((high >> 8) & 0xFF)]
          ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
        pointer += 8
        remaining -= 8
      }
      while remaining > 0 {
        crc = (crc >> 8) ^ t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)]
        pointer += 1
        remaining -= 1
      }
    }
    return ~crc
  }

  /// The CRC-32 of `bytes`, continuing from `initial` (the checksum of the preceding bytes).
  public static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0, initial: initial) }
  }
}
