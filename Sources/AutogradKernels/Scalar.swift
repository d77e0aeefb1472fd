// The scalar types the kernels are written for, and the check that stops on a programmer error.

import Foundation

/// A floating-point element type the kernels compute with: `Float` or `Double`.
///
/// Kernels are written once, generic over this protocol, and specialised for both types.
/// `Autograd.TensorScalar` refines it with the tensor element type. (`Codable`, as `Float` and
/// `Double` are, because `SIMDScalar`'s same-type constraints otherwise make the compiler warn
/// at every protocol refining this one.)
public protocol KernelScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where RawSignificand: FixedWidthInteger {
  /// e raised to `x`.
  static func exp(_ x: Self) -> Self
  /// The natural logarithm of `x`.
  static func log(_ x: Self) -> Self
  /// The hyperbolic tangent of `x`.
  static func tanh(_ x: Self) -> Self
  /// `x` raised to the power `y`.
  static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: KernelScalar {
  /// e raised to `x`.
  @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
  /// The natural logarithm of `x`.
  @inlinable public static func log(_ x: Float) -> Float { logf(x) }
  /// The hyperbolic tangent of `x`.
  @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
  /// `x` raised to the power `y`.
  @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: KernelScalar {
  /// e raised to `x`.
  @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  /// The natural logarithm of `x`.
  @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
  /// The hyperbolic tangent of `x`.
  @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  /// `x` raised to the power `y`.
  @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}

/// Stops with `message` when `condition` is false — in every build configuration.
///
/// Used for programmer errors (shape mismatch, bad axis). Unlike `precondition`, whose message is
/// dropped in optimised builds, the message always reaches standard error, so a user of a
/// `-c release` build learns which op and which shapes were wrong.
@inline(__always)
public func check(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if !condition() { fatalError(message(), file: file, line: line) }
}
