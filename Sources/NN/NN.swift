@_exported import Autograd
@_exported import ByteFormats

/// Stops with `message` when `condition` is false — in every build configuration (the
/// message of `precondition` is dropped in optimised builds). For programmer errors.
@inline(__always)
func check(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if !condition() { fatalError(message(), file: file, line: line) }
}
