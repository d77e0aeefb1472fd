import Foundation
import NN

/// A CSV table written atomically (temporary file, then rename) each time it is saved.
public struct CSVLog {
  /// The column names.
  public let header: [String]
  /// The rows, already formatted.
  public private(set) var rows: [[String]] = []

  /// Creates an empty log with the given columns.
  public init(header: [String]) { self.header = header }

  /// Appends a row (one field per column; empty for a missing value).
  public mutating func append(_ row: [String]) {
    precondition(
      row.count == header.count, "CSVLog: \(row.count) fields for \(header.count) columns")
    rows.append(row)
  }

  /// Appends several rows, each with one field per column.
  public mutating func append(contentsOf rows: [[String]]) {
    for row in rows { append(row) }
  }

  /// The table as CSV text.
  public var text: String {
    ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  /// Writes the table to `url` atomically.
  public func write(to url: URL) throws {
    try writeAtomically(Data(text.utf8), to: url)
  }

  /// Reads a CSV file: its header and rows. Throws an error naming the file when it is missing
  /// or has no header.
  public static func read(from url: URL) throws -> (header: [String], rows: [[String]]) {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw CheckpointError(source: url.path, "cannot read the CSV file (missing or unreadable)")
    }
    let lines = text.split(whereSeparator: \.isNewline).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    guard let header = lines.first, !header.isEmpty else {
      throw CheckpointError(source: url.path, "the CSV file is empty")
    }
    return (header, Array(lines.dropFirst()))
  }
}
