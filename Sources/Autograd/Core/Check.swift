/// Stops with `message` when `condition` is false — in every build configuration.
///
/// Used for programmer errors (shape mismatch, bad axis). Unlike `precondition`, whose message is
/// dropped in optimised builds, the message always reaches standard error, so a user of a
/// `-c release` build learns which op and which shapes were wrong.
@inline(__always)
package func check(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if !condition() { fatalError(message(), file: file, line: line) }
}
