/// Raw DEFLATE (RFC 1951) decompression: stored, fixed-Huffman and dynamic-Huffman blocks.
///
/// Every input is bounds-checked: malformed or truncated data throws ``DataFormatError`` and
/// never reads out of bounds, crashes or loops forever. Output grows geometrically and is capped
/// by `maximumOutputCount`.
public enum Inflate {
  /// Decompresses the raw DEFLATE stream at the start of `data`; bytes after its final block are
  /// ignored.
  ///
  /// - Parameters:
  ///   - data: The compressed bytes.
  ///   - source: A file path or label used in error messages.
  ///   - maximumOutputCount: The most output bytes to produce before failing.
  /// - Returns: The decompressed bytes.
  /// - Throws: ``DataFormatError`` if the stream is malformed, truncated or too large.
  public static func inflate(
    _ data: [UInt8], source: String = "<memory>", maximumOutputCount: Int = .max
  ) throws -> [UInt8] {
    let (expected, overflow) = data.count.multipliedReportingOverflow(by: 4)
    var output = OutputBuffer(expectedCount: overflow ? .max : expected, limit: maximumOutputCount)
    _ = try data.withUnsafeBufferPointer { input in
      try inflate(input, startingAt: 0, into: &output, source: source)
    }
    return try output.finish(source: source)
  }

  /// Decodes the stream starting at `start` in `input`, appending to `output`.
  ///
  /// Distances may not reach before the bytes this stream produced.
  /// - Returns: The offset of the first input byte after the stream.
  static func inflate(
    _ input: UnsafeBufferPointer<UInt8>, startingAt start: Int, into output: inout OutputBuffer,
    source: String
  ) throws -> Int {
    guard let base = input.baseAddress, start < input.count else {
      throw DataFormatError(
        source: source, offset: start,
        message: "truncated input: the deflate stream is missing")
    }
    var inflater = Inflater(
      input: base, count: input.count, start: start, windowStart: output.count, source: source)
    defer { inflater.deallocate() }
    return try inflater.run(&output)
  }
}

/// The resumable state of one DEFLATE stream being decoded.
///
/// Bits are kept in a 64-bit buffer, least significant first. Near the end of the input, zero
/// bytes ("phantom" bytes) are appended to the buffer so that decoding never reads past the
/// input; consuming any phantom bit is reported as truncated input.
struct Inflater {
  /// What the decoder does next.
  private enum Phase {
    /// Read the next block header (or finish after the final block).
    case blockHeader
    /// Copy this many more bytes of a stored block.
    case stored(remaining: Int)
    /// Decode Huffman-coded symbols with the current tables.
    case huffman
  }

  private let input: UnsafePointer<UInt8>
  private let inputCount: Int
  private let source: String
  /// The offset of the next input byte to load into the bit buffer.
  private var position: Int
  private var bitBuffer: UInt64 = 0
  /// Valid bits in `bitBuffer`, phantom bits included.
  private var bitCount = 0
  /// Zero bytes loaded past the end of the input.
  private var phantomBytes = 0
  /// The output index where this stream's output starts.
  private let windowStart: Int
  private var phase = Phase.blockHeader
  private var isFinalBlock = false
  private let literalLengthTable: UnsafeMutablePointer<UInt32>
  private let distanceTable: UnsafeMutablePointer<UInt32>
  private let codeLengthTable: UnsafeMutablePointer<UInt32>

  /// Creates a decoder for the stream at `start` of the `count` bytes at `input`.
  init(input: UnsafePointer<UInt8>, count: Int, start: Int, windowStart: Int, source: String) {
    self.input = input
    self.inputCount = count
    self.position = start
    self.windowStart = windowStart
    self.source = source
    literalLengthTable = .allocate(capacity: HuffmanTable.literalLengthCapacity)
    distanceTable = .allocate(capacity: HuffmanTable.distanceCapacity)
    codeLengthTable = .allocate(capacity: HuffmanTable.codeLengthCapacity)
  }

  /// Frees the decoding tables.
  func deallocate() {
    literalLengthTable.deallocate()
    distanceTable.deallocate()
    codeLengthTable.deallocate()
  }

  // MARK: Errors

  /// An error for `message` at the current position, or a truncation error if the decoder has
  /// already consumed bits past the end of the input (then `message` is a symptom of that).
  private static func failure(
    _ message: String, source: String, position: Int, bitCount: Int, phantomBytes: Int
  ) -> DataFormatError {
    let realBits = bitCount - 8 * phantomBytes
    if realBits < 0 {
      return DataFormatError(
        source: source, offset: position,
        message: "truncated input: the deflate stream ends in the middle of a block")
    }
    return DataFormatError(source: source, offset: position - realBits / 8, message: message)
  }

  private func failure(_ message: String) -> DataFormatError {
    Inflater.failure(
      message, source: source, position: position, bitCount: bitCount, phantomBytes: phantomBytes)
  }

  private func truncated() -> DataFormatError {
    DataFormatError(
      source: source, offset: position,
      message: "truncated input: the deflate stream ends in the middle of a block")
  }

  // MARK: Bit input

  /// Tops the bit buffer up to at least 56 bits one byte at a time, padding with phantom zero
  /// bytes past the end of the input.
  ///
  /// - Returns: `false` if phantom bits have already been consumed (the input is truncated).
  @inline(__always)
  private static func refillSlowly(
    _ bits: inout UInt64, _ count: inout Int, _ position: inout Int, _ phantom: inout Int,
    _ input: UnsafePointer<UInt8>, _ inputCount: Int
  ) -> Bool {
    if count < 8 * phantom { return false }
    while count < 56 {
      if position < inputCount {
        bits |= UInt64(input[position]) &<< UInt64(count)
        position += 1
      } else {
        phantom += 1
      }
      count += 8
    }
    return true
  }

  /// Tops the bit buffer up to at least 56 bits.
  private mutating func refill() throws {
    if position + 8 <= inputCount {
      bitBuffer |=
        UInt64(littleEndian: UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self))
        &<< UInt64(bitCount)
      position += (63 - bitCount) >> 3
      bitCount |= 56
    } else if !Inflater.refillSlowly(
      &bitBuffer, &bitCount, &position, &phantomBytes, input, inputCount)
    {
      throw truncated()
    }
  }

  /// Removes and returns the next `count` (at most 32) bits; the buffer must hold them.
  private mutating func take(_ count: Int) -> Int {
    let value = Int(truncatingIfNeeded: bitBuffer) & ((1 << count) - 1)
    bitBuffer &>>= UInt64(count)
    bitCount -= count
    return value
  }

  // MARK: Driver

  /// Decodes the whole stream into `output`.
  ///
  /// - Returns: The offset of the first input byte after the stream's final block.
  mutating func run(_ output: inout OutputBuffer) throws -> Int {
    while true {
      switch phase {
      case .blockHeader:
        if isFinalBlock { return try endOffset() }
        try readBlockHeader()
      case .stored(let remaining):
        if remaining == 0 {
          phase = .blockHeader
          continue
        }
        let available = inputCount - position
        if available == 0 { throw truncated() }
        try output.reserve(1, source: source)
        var count = output.count
        let copied = min(remaining, available, output.storage.count - count)
        output.storage.withUnsafeMutableBufferPointer { buffer in
          (buffer.baseAddress! + count).update(from: input + position, count: copied)
        }
        count += copied
        output.count = count
        position += copied
        phase = .stored(remaining: remaining - copied)
      case .huffman:
        try output.reserve(OutputBuffer.slack, source: source)
        var count = output.count
        let endOfBlock = try output.storage.withUnsafeMutableBufferPointer { buffer in
          try decodeSymbols(into: buffer.baseAddress!, count: &count, capacity: buffer.count)
        }
        output.count = count
        if endOfBlock { phase = .blockHeader }
      }
    }
  }

  /// The offset of the byte after the stream, once the final block has been decoded.
  private func endOffset() throws -> Int {
    let realBits = bitCount - 8 * phantomBytes
    if realBits < 0 { throw truncated() }
    return position - realBits / 8
  }

  // MARK: Block headers

  private mutating func readBlockHeader() throws {
    try refill()
    let header = take(3)
    isFinalBlock = header & 1 != 0
    switch header >> 1 {
    case 0:
      try readStoredHeader()
    case 1:
      HuffmanTable.fixedLiteralLength.withUnsafeBufferPointer {
        literalLengthTable.update(from: $0.baseAddress!, count: $0.count)
      }
      HuffmanTable.fixedDistance.withUnsafeBufferPointer {
        distanceTable.update(from: $0.baseAddress!, count: $0.count)
      }
      phase = .huffman
    case 2:
      try readDynamicTables()
      phase = .huffman
    default:
      throw failure("invalid block type 3 (reserved)")
    }
  }

  /// Skips to the byte boundary, reads LEN and NLEN and starts copying.
  private mutating func readStoredHeader() throws {
    _ = take(bitCount & 7)
    let bufferedBytes = bitCount / 8 - phantomBytes
    if bufferedBytes < 0 { throw truncated() }
    position -= bufferedBytes
    bitBuffer = 0
    bitCount = 0
    phantomBytes = 0
    guard position + 4 <= inputCount else { throw truncated() }
    let length = Int(input[position]) | Int(input[position + 1]) << 8
    let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
    guard length == complement ^ 0xFFFF else {
      throw DataFormatError(
        source: source, offset: position,
        message:
          "stored block length check failed (LEN \(hexString(length, digits: 4)), "
          + "NLEN \(hexString(complement, digits: 4)), expected NLEN = ~LEN)")
    }
    position += 4
    phase = .stored(remaining: length)
  }

  /// The order in which code-length code lengths are stored.
  private static let codeLengthOrder = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
  ]

  /// Reads a dynamic block's code lengths and builds its literal/length and distance tables.
  private mutating func readDynamicTables() throws {
    try refill()
    let literalCount = take(5) + 257
    let distanceCount = take(5) + 1
    let codeLengthCount = take(4) + 4
    guard literalCount <= 286 else {
      throw failure("too many literal/length codes (\(literalCount), at most 286)")
    }
    guard distanceCount <= 30 else {
      throw failure("too many distance codes (\(distanceCount), at most 30)")
    }
    var codeLengthLengths = [UInt8](repeating: 0, count: 19)
    for index in 0..<codeLengthCount {
      try refill()
      codeLengthLengths[Inflater.codeLengthOrder[index]] = UInt8(take(3))
    }
    try build(codeLengthLengths, .codeLength, into: codeLengthTable, name: "code-length")

    let total = literalCount + distanceCount
    var lengths = [UInt8](repeating: 0, count: total)
    var index = 0
    while index < total {
      try refill()
      let entry = codeLengthTable[Int(truncatingIfNeeded: bitBuffer) & 127]
      if entry & HuffmanTable.kindMask == HuffmanTable.invalid {
        throw failure("invalid Huffman code in the code-length alphabet")
      }
      _ = take(Int(entry & 0xFF))
      let symbol = Int(entry >> 16)
      var repeatCount: Int
      var repeated: UInt8 = 0
      switch symbol {
      case 0...15:
        lengths[index] = UInt8(symbol)
        index += 1
        continue
      case 16:
        guard index > 0 else {
          throw failure("code length repeat (symbol 16) with no previous length")
        }
        repeated = lengths[index - 1]
        repeatCount = 3 + take(2)
      case 17:
        repeatCount = 3 + take(3)
      default:
        repeatCount = 11 + take(7)
      }
      guard index + repeatCount <= total else {
        throw failure(
          "code length repeat runs past the end (\(index + repeatCount) of \(total) lengths)")
      }
      for offset in 0..<repeatCount { lengths[index + offset] = repeated }
      index += repeatCount
    }
    guard lengths[256] != 0 else {
      throw failure("invalid literal/length code lengths: no end-of-block code")
    }
    try build(
      lengths[0..<literalCount], .literalLength, into: literalLengthTable,
      name: "literal/length")
    try build(lengths[literalCount...], .distance, into: distanceTable, name: "distance")
  }

  /// Builds one table, describing bad code lengths in terms of the table `name`.
  private func build(
    _ lengths: ArraySlice<UInt8>, _ alphabet: HuffmanTable.Alphabet,
    into table: UnsafeMutablePointer<UInt32>, name: String
  ) throws {
    do {
      try lengths.withUnsafeBufferPointer { lengths in
        try HuffmanTable.build(lengths: lengths, alphabet: alphabet, into: table)
      }
    } catch HuffmanTable.BuildError.overSubscribed {
      throw failure("invalid \(name) code lengths: over-subscribed Huffman code")
    } catch {
      throw failure("invalid \(name) code lengths: incomplete Huffman code")
    }
  }

  private func build(
    _ lengths: [UInt8], _ alphabet: HuffmanTable.Alphabet,
    into table: UnsafeMutablePointer<UInt32>, name: String
  ) throws {
    try build(lengths[...], alphabet, into: table, name: name)
  }

  // MARK: Huffman-coded data

  /// Decodes symbols into `output` until the end of the block or until fewer than
  /// ``OutputBuffer/slack`` bytes of room are left.
  ///
  /// - Returns: `true` at the end of the block, `false` if more room is needed.
  private mutating func decodeSymbols(
    into output: UnsafeMutablePointer<UInt8>, count outputCount: inout Int, capacity: Int
  ) throws -> Bool {
    let input = self.input
    let inputCount = self.inputCount
    let literalTable = UnsafePointer(literalLengthTable)
    let distanceTable = UnsafePointer(self.distanceTable)
    let windowStart = self.windowStart
    let source = self.source
    let limit = capacity - OutputBuffer.slack
    let literalMask = (1 << HuffmanTable.literalLengthBits) - 1
    let distanceMask = (1 << HuffmanTable.distanceBits) - 1
    let kindMask = HuffmanTable.kindMask

    var bits = bitBuffer
    var available = bitCount
    var position = self.position
    var phantom = phantomBytes
    var written = outputCount
    defer {
      bitBuffer = bits
      bitCount = available
      self.position = position
      phantomBytes = phantom
      outputCount = written
    }

    while written <= limit {
      if position &+ 8 <= inputCount {
        bits |=
          UInt64(littleEndian: UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self))
          &<< UInt64(available)
        position &+= (63 &- available) &>> 3
        available |= 56
      } else if !Inflater.refillSlowly(
        &bits, &available, &position, &phantom, input, inputCount)
      {
        throw Inflater.failure(
          "", source: source, position: position, bitCount: available, phantomBytes: phantom)
      }

      var entry = literalTable[Int(truncatingIfNeeded: bits) & literalMask]
      if entry & kindMask == HuffmanTable.link {
        bits &>>= UInt64(HuffmanTable.literalLengthBits)
        available &-= HuffmanTable.literalLengthBits
        let subMask = (1 &<< Int((entry &>> 8) & 0xF)) &- 1
        entry = literalTable[Int(entry &>> 16) &+ (Int(truncatingIfNeeded: bits) & subMask)]
      }
      let kind = entry & kindMask
      let codeBits = Int(entry & 0xFF)
      if kind == HuffmanTable.literal {
        bits &>>= UInt64(codeBits)
        available &-= codeBits
        output[written] = UInt8(truncatingIfNeeded: entry &>> 16)
        written &+= 1
        continue
      }
      if kind != HuffmanTable.base {
        if kind == HuffmanTable.endOfBlock {
          bits &>>= UInt64(codeBits)
          available &-= codeBits
          return true
        }
        throw Inflater.failure(
          "invalid Huffman code in the literal/length alphabet", source: source,
          position: position, bitCount: available, phantomBytes: phantom)
      }
      bits &>>= UInt64(codeBits)
      available &-= codeBits
      let lengthExtra = Int((entry &>> 8) & 0xF)
      let length =
        Int(entry &>> 16) &+ (Int(truncatingIfNeeded: bits) & ((1 &<< lengthExtra) &- 1))
      bits &>>= UInt64(lengthExtra)
      available &-= lengthExtra

      var distanceEntry = distanceTable[Int(truncatingIfNeeded: bits) & distanceMask]
      if distanceEntry & kindMask == HuffmanTable.link {
        bits &>>= UInt64(HuffmanTable.distanceBits)
        available &-= HuffmanTable.distanceBits
        let subMask = (1 &<< Int((distanceEntry &>> 8) & 0xF)) &- 1
        distanceEntry =
          distanceTable[Int(distanceEntry &>> 16) &+ (Int(truncatingIfNeeded: bits) & subMask)]
      }
      if distanceEntry & kindMask != HuffmanTable.base {
        throw Inflater.failure(
          "invalid Huffman code in the distance alphabet", source: source,
          position: position, bitCount: available, phantomBytes: phantom)
      }
      let distanceBits = Int(distanceEntry & 0xFF)
      bits &>>= UInt64(distanceBits)
      available &-= distanceBits
      let distanceExtra = Int((distanceEntry &>> 8) & 0xF)
      let distance =
        Int(distanceEntry &>> 16) &+ (Int(truncatingIfNeeded: bits) & ((1 &<< distanceExtra) &- 1))
      bits &>>= UInt64(distanceExtra)
      available &-= distanceExtra

      if distance > written &- windowStart {
        throw Inflater.failure(
          "invalid distance too far back (\(distance) bytes, "
            + "but only \(written - windowStart) bytes decoded)", source: source,
          position: position, bitCount: available, phantomBytes: phantom)
      }
      let target = output + written
      let from = UnsafePointer(target - distance)
      written &+= length
      if distance >= 8 {
        var readPointer = UnsafeRawPointer(from)
        var writePointer = UnsafeMutableRawPointer(target)
        let end = writePointer + length
        repeat {
          writePointer.storeBytes(of: readPointer.loadUnaligned(as: UInt64.self), as: UInt64.self)
          readPointer += 8
          writePointer += 8
        } while writePointer < end
      } else if distance == 1 {
        target.update(repeating: from.pointee, count: length)
      } else {
        for index in 0..<length { target[index] = from[index] }
      }
    }
    return false
  }
}
