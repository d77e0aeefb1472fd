import Foundation

/// The element type of a tensor, chosen at run time as in PyTorch.
///
/// `float32` is the fast default for training; `float64` is used for exact gradient checks;
/// `int64` holds class indices and sampled actions and never requires a gradient.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
  /// 32-bit IEEE floating point (`Float`).
  case float32
  /// 64-bit IEEE floating point (`Double`).
  case float64
  /// 64-bit signed integers (`Int`), for indices.
  case int64

  /// The size of one element in bytes.
  public var byteCount: Int { self == .float32 ? 4 : 8 }

  /// Whether the type is a floating-point type (and so may carry gradients).
  public var isFloatingPoint: Bool { self != .int64 }

  /// The name used in messages, e.g. `float32`.
  public var description: String { rawValue }
}

/// A floating-point element type that tensors store: `Float` or `Double`.
///
/// Kernels are written once, generic over this protocol, and specialised for both types.
public protocol TensorScalar: BinaryFloatingPoint, SIMDScalar, Sendable
where RawSignificand: FixedWidthInteger {
  /// The tensor element type that stores this scalar type.
  static var dtype: DType { get }
  /// e raised to `x`.
  static func exp(_ x: Self) -> Self
  /// The natural logarithm of `x`.
  static func log(_ x: Self) -> Self
  /// The hyperbolic tangent of `x`.
  static func tanh(_ x: Self) -> Self
  /// `x` raised to the power `y`.
  static func pow(_ x: Self, _ y: Self) -> Self
}

/// `Float` stores the elements of `float32` tensors.
extension Float: TensorScalar {
  /// ``DType/float32``.
  public static var dtype: DType { .float32 }
  /// e raised to `x`.
  @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
  /// The natural logarithm of `x`.
  @inlinable public static func log(_ x: Float) -> Float { logf(x) }
  /// The hyperbolic tangent of `x`.
  @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
  /// `x` raised to the power `y`.
  @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

/// `Double` stores the elements of `float64` tensors.
extension Double: TensorScalar {
  /// ``DType/float64``.
  public static var dtype: DType { .float64 }
  /// e raised to `x`.
  @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  /// The natural logarithm of `x`.
  @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
  /// The hyperbolic tangent of `x`.
  @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  /// `x` raised to the power `y`.
  @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
