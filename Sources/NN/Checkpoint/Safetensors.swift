import Foundation

/// An error reading or writing a checkpoint: what went wrong and where.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  /// The file (or `<memory>`).
  public let source: String
  /// What is wrong, naming the key and the shapes or types involved.
  public let message: String

  /// Creates the error.
  public init(source: String, _ message: String) {
    self.source = source
    self.message = message
  }

  /// `source: message`.
  public var description: String { "\(source): \(message)" }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header giving each
/// tensor's dtype, shape and data offsets, then the raw little-endian data. Readable by
/// `safetensors.torch.load_file`.
public enum Safetensors {
  /// The format's name for a dtype.
  static func name(of dtype: DType) -> String {
    switch dtype {
    case .float32: "F32"
    case .float64: "F64"
    case .int64: "I64"
    }
  }

  /// The dtype for a format name, or `nil` when unsupported.
  static func dtype(named name: String) -> DType? {
    switch name {
    case "F32": .float32
    case "F64": .float64
    case "I64": .int64
    default: nil
    }
  }

  /// Encodes `tensors` (sorted by name) and optional string `metadata` into safetensors bytes.
  public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8]
  {
    var header = [String]()
    if !metadata.isEmpty {
      let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      header.append("\"__metadata__\":{\(entries.joined(separator: ","))}")
    }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let t = tensors[name]!
      let bytes = t.count * t.dtype.byteCount
      header.append(
        "\(jsonString(name)):{\"dtype\":\"\(Safetensors.name(of: t.dtype))\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
      )
      offset += bytes
    }
    var json = Array(("{" + header.joined(separator: ",") + "}").utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var out = [UInt8]()
    out.reserveCapacity(8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: json)
    for name in names { tensors[name]!.withUnsafeBytes { out.append(contentsOf: $0) } }
    return out
  }

  /// Decodes safetensors bytes. Throws ``CheckpointError`` for anything malformed: a short
  /// file, a header length past the end, invalid JSON, an unknown dtype, a shape that does not
  /// match its byte range, or offsets out of bounds or overlapping. Never traps.
  public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    func fail(_ message: String) -> CheckpointError { CheckpointError(source: source, message) }
    guard bytes.count >= 8 else {
      throw fail("truncated: \(bytes.count) bytes, shorter than the 8-byte header length")
    }
    var length: UInt64 = 0
    for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard length <= UInt64(bytes.count - 8) else {
      throw fail("truncated: header length \(length) exceeds the \(bytes.count - 8) bytes after it")
    }
    let headerEnd = 8 + Int(length)
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
    } catch {
      throw fail("malformed JSON header")
    }
    guard let header = object as? [String: Any] else {
      throw fail("the JSON header is not an object")
    }
    let dataCount = bytes.count - headerEnd
    var tensors = [String: Tensor]()
    var metadata = [String: String]()
    var ranges = [(Int, Int, String)]()
    for (name, value) in header {
      if name == "__metadata__" {
        guard let entries = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
        for (k, v) in entries {
          guard let s = v as? String else { throw fail("metadata value for \(k) is not a string") }
          metadata[k] = s
        }
        continue
      }
      guard let entry = value as? [String: Any], let typeName = entry["dtype"] as? String,
        let shapeValues = entry["shape"] as? [Any], let offsetValues = entry["data_offsets"] as? [Any],
        offsetValues.count == 2
      else { throw fail("tensor '\(name)': header entry lacks dtype, shape or data_offsets") }
      guard let dtype = dtype(named: typeName) else {
        throw fail("tensor '\(name)': unsupported dtype \(typeName) (supported: F32, F64, I64)")
      }
      let shape = try shapeValues.map { v -> Int in
        guard let n = exactInt(v), n >= 0, n <= Int(Int32.max) else {
          throw fail("tensor '\(name)': invalid shape \(shapeValues)")
        }
        return n
      }
      let offsets = try offsetValues.map { v -> Int in
        guard let n = exactInt(v), n >= 0 else {
          throw fail("tensor '\(name)': invalid data_offsets \(offsetValues)")
        }
        return n
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin <= end, end <= dataCount else {
        throw fail(
          "tensor '\(name)': data_offsets [\(begin), \(end)] fall outside the \(dataCount) data bytes (truncated file?)"
        )
      }
      var elements = 1
      for d in shape {
        let (product, overflow) = elements.multipliedReportingOverflow(by: d)
        guard !overflow else { throw fail("tensor '\(name)': shape \(shape) is too large") }
        elements = product
      }
      guard elements.multipliedReportingOverflow(by: dtype.byteCount).partialValue == end - begin,
        !elements.multipliedReportingOverflow(by: dtype.byteCount).overflow
      else {
        throw fail(
          "tensor '\(name)': shape \(shape) of \(typeName) needs \(elements * dtype.byteCount) bytes but data_offsets give \(end - begin)"
        )
      }
      ranges.append((begin, end, name))
      tensors[name] = bytes.withUnsafeBytes { raw in
        Tensor(
          shape: shape, dtype: dtype,
          bytes: UnsafeRawBufferPointer(rebasing: raw[(headerEnd + begin)..<(headerEnd + end)]))
      }
    }
    ranges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
    for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
      throw fail("tensors '\(a.2)' and '\(b.2)' overlap in the data section")
    }
    return (tensors, metadata)
  }

  /// Writes `tensors` to `url` atomically: a temporary file in the same directory, then a rename.
  public static func write(
    _ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL
  ) throws {
    try writeAtomically(Data(encode(tensors, metadata: metadata)), to: url)
  }

  /// Reads a safetensors file. A missing or unreadable file throws a ``CheckpointError`` naming it.
  public static func read(from url: URL) throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw CheckpointError(source: url.path, "cannot read the file (missing or unreadable)")
    }
    return try decode([UInt8](data), source: url.path)
  }

  private static func exactInt(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    let d = number.doubleValue
    guard d.isFinite, d == d.rounded(), Swift.abs(d) < 9e15 else { return nil }
    return number.intValue
  }

  private static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// Writes `data` to `url` through a temporary file in the same directory and a rename, so that
/// a crash never leaves a half-written file under the final name.
public func writeAtomically(_ data: Data, to url: URL) throws {
  let directory = url.deletingLastPathComponent()
  let temporary = directory.appendingPathComponent(
    ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
  do {
    try data.write(to: temporary)
  } catch {
    throw CheckpointError(source: url.path, "cannot write (\(error.localizedDescription))")
  }
  guard rename(temporary.path, url.path) == 0 else {
    try? FileManager.default.removeItem(at: temporary)
    throw CheckpointError(source: url.path, "cannot rename the temporary file into place")
  }
}
