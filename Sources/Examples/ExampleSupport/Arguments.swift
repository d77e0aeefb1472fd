import Foundation

/// A command-line mistake: an unknown flag, a missing value or a value out of range. The CLI
/// prints its message, then the usage, and exits with status 2.
public struct UsageError: Error, CustomStringConvertible {
  /// One line naming the problem.
  public let message: String
  /// Creates the error.
  public init(_ message: String) { self.message = message }
  /// The message.
  public var description: String { message }
}

/// Parsed command-line flags: `--name value`, `--name=value` and boolean `--name`.
public struct Arguments {
  /// Values of the flags that take one.
  public private(set) var values: [String: String] = [:]
  /// Boolean flags that were given.
  public private(set) var switches: Set<String> = []
  /// Arguments that are not flags, in order.
  public private(set) var positional: [String] = []

  /// Parses `arguments` (without the program name). `valued` lists the flags that take a value,
  /// `boolean` those that do not; anything else starting with `--` is an error.
  public init(_ arguments: [String], valued: Set<String>, boolean: Set<String>) throws {
    var i = 0
    while i < arguments.count {
      let argument = arguments[i]
      i += 1
      guard argument.hasPrefix("-"), argument != "-" else {
        positional.append(argument)
        continue
      }
      var name = argument
      var inline: String?
      if let eq = argument.firstIndex(of: "=") {
        name = String(argument[..<eq])
        inline = String(argument[argument.index(after: eq)...])
      }
      if boolean.contains(name) {
        guard inline == nil else { throw UsageError("option \(name) takes no value") }
        switches.insert(name)
      } else if valued.contains(name) {
        if let inline {
          values[name] = inline
        } else {
          guard i < arguments.count, !arguments[i].hasPrefix("--") else {
            throw UsageError("option \(name) needs a value")
          }
          values[name] = arguments[i]
          i += 1
        }
      } else {
        throw UsageError("unknown option \(name)")
      }
    }
  }

  /// Whether boolean flag `name` was given.
  public func flag(_ name: String) -> Bool { switches.contains(name) }

  /// The string value of `name`, or `defaultValue`.
  public func string(_ name: String, default defaultValue: String? = nil) -> String? {
    values[name] ?? defaultValue
  }

  /// The value of `name` as an integer in `range`, or `defaultValue`.
  public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws
    -> Int
  {
    guard let text = values[name] else { return defaultValue }
    guard let value = Int(text), range.contains(value) else {
      throw UsageError(
        "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
    }
    return value
  }

  /// The value of `name` as a number in `range`, or `defaultValue`.
  public func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>)
    throws -> Double
  {
    guard let text = values[name] else { return defaultValue }
    guard let value = Double(text), value.isFinite, range.contains(value) else {
      throw UsageError(
        "\(name) must be a number in [\(range.lowerBound), \(range.upperBound)], got '\(text)'")
    }
    return value
  }

}

/// A flag's typed set of values: an enum whose raw values are the spellings on the command line.
public protocol CommandLineChoice: CaseIterable, RawRepresentable, Sendable
where RawValue == String {}

extension CommandLineChoice {
  /// The spellings, separated by `|`, for usage texts.
  public static var spellings: String { allCases.map(\.rawValue).joined(separator: "|") }
}

extension Arguments {
  /// The value of `name` as one of `T`'s cases, or `defaultValue`; any other spelling throws a
  /// ``UsageError`` listing the choices.
  public func choice<T: CommandLineChoice>(_ name: String, default defaultValue: T) throws -> T {
    guard let text = values[name] else { return defaultValue }
    guard let value = T(rawValue: text) else {
      throw UsageError(
        "\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'"
      )
    }
    return value
  }
}

/// Whether `arguments` ask for the help text (`--help` or `-h`), shared by every example.
public func wantsHelp(_ arguments: [String]) -> Bool {
  arguments.contains("--help") || arguments.contains("-h")
}

/// Runs a command-line program: a ``UsageError`` prints one line, the usage and exits 2; any
/// other error prints one line `error: …` and exits 1. No stack trace either way. Standard
/// output is made line-buffered first.
public func runCommandLine(usage: String, _ body: () throws -> Void) -> Never {
  // Line-buffered stdout: lines printed before a fatal error still reach a pipe.
  makeStandardOutputLineBuffered()
  do {
    try body()
    exit(0)
  } catch let error as UsageError {
    FileHandle.standardError.write(Data("error: \(error.message)\n\n\(usage)\n".utf8))
    exit(2)
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
  }
}
