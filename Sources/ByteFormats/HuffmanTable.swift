/// Builds the two-level lookup tables that the DEFLATE decoder uses to decode Huffman codes.
///
/// A table is a primary array of `1 << primaryBits` entries indexed by the next `primaryBits`
/// input bits (least significant bit first, as DEFLATE stores codes bit-reversed). Codes longer
/// than `primaryBits` go through a link entry to a subtable of `1 << (maxLength - primaryBits)`
/// entries indexed by the following bits.
///
/// Entry layout (`UInt32`):
/// - bits 0–7: the number of bits the code occupies (in its table level);
/// - bits 8–11: the number of extra bits that follow (length/distance symbols), or the index
///   width of the subtable (links);
/// - bits 12–15: the kind (``literal``, ``base``, ``endOfBlock``, ``link``, ``invalid``);
/// - bits 16–31: the value (literal byte, length or distance base, or subtable offset).
enum HuffmanTable {
  /// A literal byte, or a plain symbol value (code-length alphabet).
  static let literal: UInt32 = 0 << 12
  /// A length or distance base to which `extra` bits are added.
  static let base: UInt32 = 1 << 12
  /// The end-of-block symbol 256.
  static let endOfBlock: UInt32 = 2 << 12
  /// A link to a subtable.
  static let link: UInt32 = 3 << 12
  /// A bit pattern that is not a valid code, or a symbol that must not occur.
  static let invalid: UInt32 = 4 << 12
  /// Mask for the kind field.
  static let kindMask: UInt32 = 0xF << 12

  /// Index width of the literal/length primary table.
  static let literalLengthBits = 10
  /// Index width of the distance primary table.
  static let distanceBits = 8
  /// Index width of the code-length table (code-length codes are at most 7 bits).
  static let codeLengthBits = 7
  /// Entries needed for a literal/length table (288 codes, each at most one 32-entry subtable).
  static let literalLengthCapacity = (1 << 10) + 288 * (1 << 5)
  /// Entries needed for a distance table (32 codes, each at most one 128-entry subtable).
  static let distanceCapacity = (1 << 8) + 32 * (1 << 7)
  /// Entries needed for the code-length table.
  static let codeLengthCapacity = 1 << 7

  /// Base match lengths of literal/length symbols 257–285.
  static let lengthBases: [Int] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
    131, 163, 195, 227, 258,
  ]
  /// Extra bits of literal/length symbols 257–285.
  static let lengthExtraBits: [Int] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
  ]
  /// Base distances of distance symbols 0–29.
  static let distanceBases: [Int] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
  ]
  /// Extra bits of distance symbols 0–29.
  static let distanceExtraBits: [Int] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
    13, 13,
  ]

  /// Which alphabet a table decodes; decides what each symbol's entry holds.
  enum Alphabet {
    /// Literal bytes 0–255, end of block 256, lengths 257–285 (286 and 287 are invalid).
    case literalLength
    /// Distances 0–29 (30 and 31 are invalid).
    case distance
    /// Code-length symbols 0–18 of a dynamic block header.
    case codeLength

    /// The primary table's index width.
    var primaryBits: Int {
      switch self {
      case .literalLength: HuffmanTable.literalLengthBits
      case .distance: HuffmanTable.distanceBits
      case .codeLength: HuffmanTable.codeLengthBits
      }
    }

    /// Whether a code with a single 1-bit code (and so incomplete) is accepted, as zlib does.
    var allowsSingleCode: Bool { self != .codeLength }
  }

  /// Why a set of code lengths does not describe a usable prefix code.
  enum BuildError: Error {
    /// More codes of some length than the code space holds.
    case overSubscribed
    /// The codes leave part of the code space unused.
    case incomplete
  }

  /// Packs the fields of an entry.
  @inline(__always)
  static func entry(bits: Int, extra: Int, kind: UInt32, value: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: value) << 16 | kind | UInt32(extra) << 8 | UInt32(bits)
  }

  /// The entry of `symbol` without its bit count.
  static func symbolEntry(_ symbol: Int, alphabet: Alphabet) -> UInt32 {
    switch alphabet {
    case .codeLength:
      return entry(bits: 0, extra: 0, kind: literal, value: symbol)
    case .literalLength:
      if symbol < 256 { return entry(bits: 0, extra: 0, kind: literal, value: symbol) }
      if symbol == 256 { return entry(bits: 0, extra: 0, kind: endOfBlock, value: 0) }
      let index = symbol - 257
      guard index < lengthBases.count else {
        return entry(bits: 0, extra: 0, kind: invalid, value: symbol)
      }
      return entry(bits: 0, extra: lengthExtraBits[index], kind: base, value: lengthBases[index])
    case .distance:
      guard symbol < distanceBases.count else {
        return entry(bits: 0, extra: 0, kind: invalid, value: symbol)
      }
      return entry(
        bits: 0, extra: distanceExtraBits[symbol], kind: base, value: distanceBases[symbol])
    }
  }

  /// Fills `table` (which holds at least the capacity for `alphabet`) from per-symbol code lengths.
  ///
  /// All-zero lengths give a table whose every entry is ``invalid``.
  static func build(
    lengths: UnsafeBufferPointer<UInt8>, alphabet: Alphabet,
    into table: UnsafeMutablePointer<UInt32>
  ) throws(BuildError) {
    let primaryBits = alphabet.primaryBits
    let primarySize = 1 << primaryBits
    let invalidEntry = entry(bits: 0, extra: 0, kind: invalid, value: 0)
    table.update(repeating: invalidEntry, count: primarySize)

    var count = [Int](repeating: 0, count: 16)
    for length in lengths where length > 0 {
      guard length <= 15 else { throw .overSubscribed }
      count[Int(length)] += 1
    }
    var maxLength = 0
    var left = 1
    for length in 1...15 {
      left <<= 1
      left -= count[length]
      if left < 0 { throw .overSubscribed }
      if count[length] > 0 { maxLength = length }
    }
    if maxLength == 0 { return }
    if left > 0 && !(alphabet.allowsSingleCode && maxLength == 1) { throw .incomplete }

    var next = [Int](repeating: 0, count: 16)
    var code = 0
    for length in 1...15 {
      code = (code + count[length - 1]) << 1
      next[length] = code
    }
    let subtableBits = max(0, maxLength - primaryBits)
    var subtableEnd = primarySize
    for symbol in 0..<lengths.count {
      let length = Int(lengths[symbol])
      if length == 0 { continue }
      let code = next[length]
      next[length] = code + 1
      var reversed = 0
      for bit in 0..<length where code & (1 << (length - 1 - bit)) != 0 {
        reversed |= 1 << bit
      }
      let symbolValue = symbolEntry(symbol, alphabet: alphabet)
      if length <= primaryBits {
        let filled = symbolValue | UInt32(length)
        var index = reversed
        while index < primarySize {
          table[index] = filled
          index += 1 << length
        }
      } else {
        let prefix = reversed & (primarySize - 1)
        var linkEntry = table[prefix]
        if linkEntry & kindMask != link {
          linkEntry = entry(bits: primaryBits, extra: subtableBits, kind: link, value: subtableEnd)
          table[prefix] = linkEntry
          (table + subtableEnd).update(repeating: invalidEntry, count: 1 << subtableBits)
          subtableEnd += 1 << subtableBits
        }
        let subtable = table + Int(linkEntry >> 16)
        let subLength = length - primaryBits
        let filled = symbolValue | UInt32(subLength)
        var index = reversed >> primaryBits
        while index < 1 << subtableBits {
          subtable[index] = filled
          index += 1 << subLength
        }
      }
    }
  }

  /// Builds a table into a new array (used for the fixed Huffman codes).
  static func makeTable(lengths: [UInt8], alphabet: Alphabet, capacity: Int) -> [UInt32] {
    var table = [UInt32](repeating: 0, count: capacity)
    table.withUnsafeMutableBufferPointer { buffer in
      lengths.withUnsafeBufferPointer { lengths in
        try! build(lengths: lengths, alphabet: alphabet, into: buffer.baseAddress!)
      }
    }
    return table
  }

  /// The fixed literal/length table of block type 1.
  static let fixedLiteralLength: [UInt32] = makeTable(
    lengths: [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
      + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8),
    alphabet: .literalLength, capacity: 1 << literalLengthBits)

  /// The fixed distance table of block type 1.
  static let fixedDistance: [UInt32] = makeTable(
    lengths: [UInt8](repeating: 5, count: 32), alphabet: .distance, capacity: 1 << distanceBits)
}
