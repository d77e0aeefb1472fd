// + − × ÷ with broadcasting, their scalar forms and negation; each op's forward and derivative
// rule.

import AutogradKernels

struct AddF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a + b }
}
struct SubF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a - b }
}
struct MulF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a * b }
}
struct DivF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ a: T, _ b: T) -> T { a / b }
}
struct AddScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { x + T(c) }
}
struct MulScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { x * T(c) }
}
struct ReciprocalScalarF: UnaryScalarFunction {
  let c: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { T(c) / x }
}
struct NegF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { -x }
}

extension Tensor {
  /// Elementwise sum with broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let (sa, sb) = (a.shape, b.shape)
    return record(.add, inputs: [a, b], output: a.broadcasting(b, AddF(), .add)) { ctx in
      [ctx.gradOutput.sum(toShape: sa), ctx.gradOutput.sum(toShape: sb)]
    }
  }

  /// Elementwise difference with broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    let (sa, sb) = (a.shape, b.shape)
    return record(.sub, inputs: [a, b], output: a.broadcasting(b, SubF(), .sub)) { ctx in
      [ctx.gradOutput.sum(toShape: sa), (-ctx.gradOutput).sum(toShape: sb)]
    }
  }

  /// Elementwise product with broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    record(.mul, inputs: [a, b], output: a.broadcasting(b, MulF(), .mul)) { ctx in
      let g = ctx.gradOutput
      return [
        ctx.needsGradient(ofInput: 0) ? (g * b).sum(toShape: a.shape) : nil,
        ctx.needsGradient(ofInput: 1) ? (g * a).sum(toShape: b.shape) : nil,
      ]
    }
  }

  /// Elementwise quotient with broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let y = a.broadcasting(b, DivF(), .div)
    return record(.div, inputs: [a, b], output: y, savingOutput: true) { ctx in
      let gOverB = ctx.gradOutput / b
      return [
        ctx.needsGradient(ofInput: 0) ? gOverB.sum(toShape: a.shape) : nil,
        ctx.needsGradient(ofInput: 1) ? (-(gOverB * ctx.output)).sum(toShape: b.shape) : nil,
      ]
    }
  }

  /// Elementwise negation.
  public static prefix func - (x: Tensor) -> Tensor {
    x.unary(NegF(), .neg) { -$0.gradOutput }
  }

  /// `x + c` for every element.
  public static func + (x: Tensor, c: Double) -> Tensor {
    x.unary(AddScalarF(c: c), .addScalar) { $0.gradOutput }
  }

  /// `c + x` for every element.
  public static func + (c: Double, x: Tensor) -> Tensor { x + c }

  /// `x − c` for every element.
  public static func - (x: Tensor, c: Double) -> Tensor { x + (-c) }

  /// `c − x` for every element.
  public static func - (c: Double, x: Tensor) -> Tensor { (-x) + c }

  /// `x × c` for every element.
  public static func * (x: Tensor, c: Double) -> Tensor {
    x.unary(MulScalarF(c: c), .mulScalar) { $0.gradOutput * c }
  }

  /// `c × x` for every element.
  public static func * (c: Double, x: Tensor) -> Tensor { x * c }

  /// `x ÷ c` for every element.
  public static func / (x: Tensor, c: Double) -> Tensor { x * (1 / c) }

  /// `c ÷ x` for every element.
  public static func / (c: Double, x: Tensor) -> Tensor {
    x.unary(ReciprocalScalarF(c: c), .reciprocalScalar, savingOutput: true) { ctx in
      -(ctx.gradOutput * ctx.output / x)
    }
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
