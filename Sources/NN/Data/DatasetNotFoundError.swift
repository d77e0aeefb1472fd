/// An error thrown when a dataset's files are not where they were looked for.
///
/// The description names the missing path and says how to provide the files.
public struct DatasetNotFoundError: Error, CustomStringConvertible, Sendable {
  /// The path (or paths, separated by " or ") that were looked for.
  public let path: String
  /// How to get the files, for example which directory to copy them into.
  public let hint: String

  /// Creates an error for the missing `path` with a `hint` on how to fix it.
  public init(path: String, hint: String) {
    self.path = path
    self.hint = hint
  }

  /// `file not found: PATH. HINT`.
  public var description: String { "file not found: \(path). \(hint)" }
}
