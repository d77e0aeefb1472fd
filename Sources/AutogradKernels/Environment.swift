// The environment variables the kernels read at start-up (AUTOGRAD_NUM_THREADS, AUTOGRAD_CONV,
// AUTOGRAD_CACHE_MB, AUTOGRAD_SPIN_NS): a value that does not parse is ignored, with one line on
// standard error saying so, instead of silently.

import Foundation

extension Kernels {
  /// The parsed value of the environment variable `name`, or `nil` when it is unset or does not
  /// parse; in the second case `warn` receives one line naming the variable, its value and what
  /// was expected (by default, written to standard error).
  public static func environmentSetting<Value>(
    _ name: String, expected: String,
    in environment: [String: String] = ProcessInfo.processInfo.environment,
    warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
    _ parse: (String) -> Value?
  ) -> Value? {
    guard let text = environment[name] else { return nil }
    if let value = parse(text.trimmingCharacters(in: .whitespaces)) { return value }
    warn("swift-autograd: ignoring \(name)=\"\(text)\" (expected \(expected))")
    return nil
  }
}
