// + − × ÷ with broadcasting, their scalar forms and negation; each op's forward and pullback.

struct AddF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b }
}
struct SubF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a - b }
}
struct MulF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b }
}
struct DivF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b }
}
/// `−g·a/b²`, the gradient of `a/b` with respect to `b`, computed as `−(g·(a/b))/b`.
struct DivRhsGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ b: T) -> T { g / b }
}
struct AddScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { x + T(c) }
}
struct MulScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { x * T(c) }
}
struct ReciprocalScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { T(c) / x }
}
struct NegF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { -x }
}

extension Tensor {
  /// Elementwise sum with broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let y = a.broadcasting(b, AddF(), .add)
    let (sa, sb) = (a.shape, b.shape)
    return record(.add, [a, b], y) { g in [g.sum(toShape: sa), g.sum(toShape: sb)] }
  }

  /// Elementwise difference with broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    let y = a.broadcasting(b, SubF(), .sub)
    let (sa, sb) = (a.shape, b.shape)
    return record(.sub, [a, b], y) { g in [g.sum(toShape: sa), (-g).sum(toShape: sb)] }
  }

  /// Elementwise product with broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    let y = a.broadcasting(b, MulF(), .mul)
    let (ad, bd) = (a.detached(), b.detached())
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    return record(.mul, [a, b], y) { g in
      [
        needA ? (g * bd).sum(toShape: ad.shape) : nil,
        needB ? (g * ad).sum(toShape: bd.shape) : nil,
      ]
    }
  }

  /// Elementwise quotient with broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let y = a.broadcasting(b, DivF(), .div)
    let (bd, yd) = (b.detached(), y)
    let (sa, needA, needB) = (a.shape, a.requiresGrad, b.requiresGrad)
    return record(.div, [a, b], y) { g in
      let gOverB = g.broadcasting(bd, DivF(), .div)
      return [
        needA ? gOverB.sum(toShape: sa) : nil,
        needB ? (-(gOverB * yd)).sum(toShape: bd.shape) : nil,
      ]
    }
  }

  /// Elementwise negation.
  public static prefix func - (x: Tensor) -> Tensor {
    let y = x.map(NegF(), .neg)
    return record(.neg, [x], y) { g in [-g] }
  }

  /// `x + c` for every element.
  public static func + (x: Tensor, c: Double) -> Tensor {
    let y = x.map(AddScalarF(c: c), .addScalar)
    return record(.addScalar, [x], y) { g in [g] }
  }

  /// `c + x` for every element.
  public static func + (c: Double, x: Tensor) -> Tensor { x + c }

  /// `x − c` for every element.
  public static func - (x: Tensor, c: Double) -> Tensor { x + (-c) }

  /// `c − x` for every element.
  public static func - (c: Double, x: Tensor) -> Tensor { (-x) + c }

  /// `x × c` for every element.
  public static func * (x: Tensor, c: Double) -> Tensor {
    let y = x.map(MulScalarF(c: c), .mulScalar)
    return record(.mulScalar, [x], y) { g in [g.map(MulScalarF(c: c), .mulScalar)] }
  }

  /// `c × x` for every element.
  public static func * (c: Double, x: Tensor) -> Tensor { x * c }

  /// `x ÷ c` for every element.
  public static func / (x: Tensor, c: Double) -> Tensor { x * (1 / c) }

  /// `c ÷ x` for every element.
  public static func / (c: Double, x: Tensor) -> Tensor {
    let y = x.map(ReciprocalScalarF(c: c), .reciprocalScalar)
    let xd = x.detached()
    return record(.reciprocalScalar, [x], y) { g in [-(g * y / xd)] }
  }

  /// Adds `b` to `a` in the tape's sense (a new tensor replaces `a`).
  public static func += (a: inout Tensor, b: Tensor) { a = a + b }
  /// Subtracts `b` from `a` (a new tensor replaces `a`).
  public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
  /// Multiplies `a` by `b` (a new tensor replaces `a`).
  public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
  /// Divides `a` by `b` (a new tensor replaces `a`).
  public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
  /// Adds `c` to every element of `a` (a new tensor replaces `a`).
  public static func += (a: inout Tensor, c: Double) { a = a + c }
  /// Multiplies every element of `a` by `c` (a new tensor replaces `a`).
  public static func *= (a: inout Tensor, c: Double) { a = a * c }

  /// The gradient `self` (of a broadcast result) summed back to `target`, an input's shape.
  func sum(toShape target: [Int]) -> Tensor {
    if shape == target { return self }
    let lead = rank - target.count
    var axes = Array(0..<lead)
    for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
    return sum(dims: axes, keepDim: true).reshape(target)
  }
}
