import AutogradKernels
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
public protocol TensorScalar: KernelScalar {
  /// The tensor element type that stores this scalar type.
  static var dtype: DType { get }
}

/// `Float` stores the elements of `float32` tensors.
extension Float: TensorScalar {
  /// ``DType/float32``.
  public static var dtype: DType { .float32 }
}

/// `Double` stores the elements of `float64` tensors.
extension Double: TensorScalar {
  /// ``DType/float64``.
  public static var dtype: DType { .float64 }
}
