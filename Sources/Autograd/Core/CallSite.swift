import AutogradKernels
import Runtime

// Where an op was called from, for anomaly mode's messages.

/// The return addresses of the current call stack, captured cheaply when an op is recorded in
/// anomaly mode and symbolicated only if that op's backward fails.
final class CapturedCallStack: @unchecked Sendable {
  let backtrace: Backtrace?
  init() { backtrace = try? Backtrace.capture(limit: 48) }

  /// `file:line` of the first frame outside the library (the call into it), or its symbol when
  /// the binary has no line tables; `nil` when nothing could be read.
  var firstCallerOutsideLibrary: String? {
    guard let frames = backtrace?.symbolicated()?.frames else { return nil }
    for frame in frames {
      guard let symbol = frame.symbol else { continue }
      let raw = symbol.rawName
      if raw.hasPrefix("$s8Autograd") || raw.hasPrefix("$s15AutogradKernels")
        || raw.hasPrefix("$ss") || raw.hasPrefix("$sS")
      {
        continue
      }
      if let location = symbol.sourceLocation {
        return "\(location.path):\(location.line) (in \(symbol.name))"
      }
      return symbol.name
    }
    return nil
  }
}

/// The call stack of the op being recorded (anomaly mode only).
func callSite() -> CapturedCallStack { CapturedCallStack() }
