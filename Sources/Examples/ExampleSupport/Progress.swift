import Foundation

/// Progress reporting: a live line (steps/s, ETA) rewritten in place on a terminal, nothing
/// extra when standard output is a file or a pipe.
public struct ProgressLine {
  let total: Int
  let start = Date()
  let isTerminal = isatty(STDOUT_FILENO) != 0
  var lastDraw = Date.distantPast

  /// Creates a reporter for `total` steps.
  public init(total: Int) { self.total = total }

  /// Redraws the live line for `step` (at most ten times a second) on a terminal.
  public mutating func update(step: Int, done: Int, extra: String = "") {
    guard isTerminal, Date().timeIntervalSince(lastDraw) > 0.1 || step == total else { return }
    lastDraw = Date()
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - step) / rate : 0
    let line = String(
      format: "step %d/%d  %.1f steps/s  ETA %.0fs %@", step, total, rate, eta, extra)
    print("\r\u{1B}[K" + line, terminator: "")
    fflush(nil)
  }

  /// Prints a permanent line, clearing the live one first on a terminal.
  public func log(_ line: String) {
    print((isTerminal ? "\r\u{1B}[K" : "") + line)
    fflush(nil)
  }

  /// Clears the live line at the end.
  public func finish() {
    if isTerminal {
      print("\r\u{1B}[K", terminator: "")
      fflush(nil)
    }
  }

  /// Seconds since the reporter was created.
  public var elapsed: Double { Date().timeIntervalSince(start) }
}
