// Elementwise comparisons and logic: masks of 0 and 1 (float32), not differentiable.

import AutogradKernels

struct CompareF: BinaryScalarFunction {
  enum Relation { case equal, notEqual, greater, greaterOrEqual, less, lessOrEqual, and, or }
  let relation: Relation
  @inline(__always) func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T {
    let holds: Bool
    switch relation {
    case .equal: holds = a == b
    case .notEqual: holds = a != b
    case .greater: holds = a > b
    case .greaterOrEqual: holds = a >= b
    case .less: holds = a < b
    case .lessOrEqual: holds = a <= b
    case .and: holds = a != 0 && b != 0
    case .or: holds = a != 0 || b != 0
    }
    return holds ? 1 : 0
  }
}

extension Tensor {
  private func compared(_ other: Tensor, _ relation: CompareF.Relation) -> Tensor {
    let a = detached().to(.float64)
    let b = other.detached().to(.float64)
    return a.broadcasting(b, CompareF(relation: relation), .compare).to(.float32)
  }

  private func compared(_ value: Double, _ relation: CompareF.Relation) -> Tensor {
    compared(Tensor(value, dtype: .float64), relation)
  }

  /// 1 where `self == other` (with broadcasting) and 0 elsewhere, as `float32`, like
  /// `(a == b).float()`. Works for integer tensors too (sampled actions against labels).
  public func eq(_ other: Tensor) -> Tensor { compared(other, .equal) }
  /// 1 where `self != other` (with broadcasting), else 0, as `float32`.
  public func ne(_ other: Tensor) -> Tensor { compared(other, .notEqual) }
  /// 1 where `self > other` (with broadcasting), else 0, as `float32`.
  public func gt(_ other: Tensor) -> Tensor { compared(other, .greater) }
  /// 1 where `self >= other` (with broadcasting), else 0, as `float32`.
  public func ge(_ other: Tensor) -> Tensor { compared(other, .greaterOrEqual) }
  /// 1 where `self < other` (with broadcasting), else 0, as `float32`.
  public func lt(_ other: Tensor) -> Tensor { compared(other, .less) }
  /// 1 where `self <= other` (with broadcasting), else 0, as `float32`.
  public func le(_ other: Tensor) -> Tensor { compared(other, .lessOrEqual) }

  /// 1 where `self == value`, else 0, as `float32`.
  public func eq(_ value: Double) -> Tensor { compared(value, .equal) }
  /// 1 where `self != value`, else 0, as `float32`.
  public func ne(_ value: Double) -> Tensor { compared(value, .notEqual) }
  /// 1 where `self > value`, else 0, as `float32`.
  public func gt(_ value: Double) -> Tensor { compared(value, .greater) }
  /// 1 where `self >= value`, else 0, as `float32`.
  public func ge(_ value: Double) -> Tensor { compared(value, .greaterOrEqual) }
  /// 1 where `self < value`, else 0, as `float32`.
  public func lt(_ value: Double) -> Tensor { compared(value, .less) }
  /// 1 where `self <= value`, else 0, as `float32`.
  public func le(_ value: Double) -> Tensor { compared(value, .lessOrEqual) }

  /// 1 where both `self` and `other` are non-zero (with broadcasting), else 0, like
  /// `torch.logical_and`.
  public func logicalAnd(_ other: Tensor) -> Tensor { compared(other, .and) }
  /// 1 where `self` or `other` is non-zero (with broadcasting), else 0, like `torch.logical_or`.
  public func logicalOr(_ other: Tensor) -> Tensor { compared(other, .or) }
  /// 1 where `self` is zero, else 0, like `torch.logical_not`.
  public func logicalNot() -> Tensor { compared(0, .equal) }
}
