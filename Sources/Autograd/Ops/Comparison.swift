// Elementwise comparisons: masks of 0 and 1, not differentiable.

struct EqualF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a == b ? 1 : 0 }
}
struct GreaterF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a > b ? 1 : 0 }
}
struct LessF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a < b ? 1 : 0 }
}

extension Tensor {
  private func compared<F: BinaryScalarFunction>(_ other: Tensor, _ f: F) -> Tensor {
    let a = detached().to(.float64)
    let b = other.detached().to(.float64)
    return a.broadcasting(b, f, .compare).to(.float32)
  }

  /// 1 where `self == other` (with broadcasting) and 0 elsewhere, as `float32`, like
  /// `(a == b).float()`. Works for integer tensors too (sampled actions against labels).
  public func eq(_ other: Tensor) -> Tensor { compared(other, EqualF()) }

  /// 1 where `self > other` (with broadcasting) and 0 elsewhere, as `float32`.
  public func gt(_ other: Tensor) -> Tensor { compared(other, GreaterF()) }

  /// 1 where `self < other` (with broadcasting) and 0 elsewhere, as `float32`.
  public func lt(_ other: Tensor) -> Tensor { compared(other, LessF()) }
}
