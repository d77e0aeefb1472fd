// Elementwise functions of one tensor: each op's scalar function, then its forward and its
// derivative rule in tensor ops (so every rule can be differentiated again).

import AutogradKernels
import Foundation

struct ExpF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { T.exp(x) }
  static var hasVectorForm: Bool { true }
  @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { Kernels.exp(x) }
}
struct LogF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { T.log(x) }
  static var hasVectorForm: Bool { true }
  @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { Kernels.log(x) }
}
struct PowF: UnaryScalarFunction {
  let p: Double
  /// The exponents whose power is one correctly rounded operation (as PyTorch special-cases
  /// them), so that, e.g., the backward of `pow(2)`, which takes `pow(1)`, calls no `powf`.
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    switch p {
    case 1: x
    case 2: x * x
    case 0.5: x.squareRoot()
    case -1: 1 / x
    default: T.pow(x, T(p))
    }
  }
  static var hasVectorForm: Bool { true }
  /// The same special cases on 16 lanes (the same correctly rounded operations), `powf` per
  /// lane otherwise; the exponent is looked at once per vector, not per element.
  @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> {
    switch p {
    case 1: return x
    case 2: return x * x
    case 0.5: return x.squareRoot()
    case -1: return 1 / x
    default:
      var result = x
      for l in 0..<16 { result[l] = Float.pow(x[l], Float(p)) }
      return result
    }
  }
}
struct SqrtF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { x.squareRoot() }
}
struct TanhF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { T.tanh(x) }
  static var hasVectorForm: Bool { true }
  @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { Kernels.tanh(x) }
}
struct SigmoidF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x))
  }
  static var hasVectorForm: Bool { true }
  @inline(__always) func vector(_ x: SIMD16<Float>) -> SIMD16<Float> { Kernels.sigmoid(x) }
}
struct ReluF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { x > 0 ? x : 0 }
}
/// Passes where `x > 0` (PyTorch's choice at 0: no gradient).
struct PositiveGate: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ g: T, _ x: T) -> T { x > 0 ? g : 0 }
}
struct ClampF: UnaryScalarFunction {
  let low: Double
  let high: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    x.isNaN ? x : Swift.min(Swift.max(x, T(low)), T(high))
  }
}
/// Passes where `low ≤ x ≤ high`, as PyTorch's clamp backward.
struct RangeGate: BinaryScalarFunction {
  let low: Double
  let high: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ g: T, _ x: T) -> T {
    x >= T(low) && x <= T(high) ? g : 0
  }
}
struct AbsF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { Swift.abs(x) }
}
struct SignF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    x > 0 ? 1 : (x < 0 ? -1 : x)
  }
}
struct SinF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    T.self == Float.self ? T(Foundation.sinf(Float(x))) : T(Foundation.sin(Double(x)))
  }
}
struct CosF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    T.self == Float.self ? T(Foundation.cosf(Float(x))) : T(Foundation.cos(Double(x)))
  }
}
struct ErfF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    T.self == Float.self ? T(Foundation.erff(Float(x))) : T(Foundation.erf(Double(x)))
  }
}
struct Log1pF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    T.self == Float.self ? T(Foundation.log1pf(Float(x))) : T(Foundation.log1p(Double(x)))
  }
}
struct Expm1F: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    T.self == Float.self ? T(Foundation.expm1f(Float(x))) : T(Foundation.expm1(Double(x)))
  }
}
struct RoundF: UnaryScalarFunction {
  let rule: FloatingPointRoundingRule
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T { x.rounded(rule) }
}

extension Tensor {
  /// `eˣ` elementwise.
  public func exp() -> Tensor {
    unary(ExpF(), .exp, savingOutput: true) { $0.gradOutput * $0.output }
  }

  /// The natural logarithm elementwise.
  public func log() -> Tensor {
    unary(LogF(), .log) { [self] in $0.gradOutput / self }
  }

  /// Each element raised to the scalar power `exponent`.
  public func pow(_ exponent: Double) -> Tensor {
    unary(PowF(p: exponent), .pow) { [self] ctx in
      exponent == 0 ? Tensor.zeros(like: self) : ctx.gradOutput * exponent * pow(exponent - 1)
    }
  }

  /// The square root elementwise.
  public func sqrt() -> Tensor {
    unary(SqrtF(), .sqrt, savingOutput: true) { $0.gradOutput / ($0.output * 2) }
  }

  /// The hyperbolic tangent elementwise.
  public func tanh() -> Tensor {
    unary(TanhF(), .tanh, savingOutput: true) { ctx in
      ctx.gradOutput * (1 - ctx.output * ctx.output)
    }
  }

  /// The logistic sigmoid `1 / (1 + e⁻ˣ)` elementwise.
  public func sigmoid() -> Tensor {
    unary(SigmoidF(), .sigmoid, savingOutput: true) { ctx in
      ctx.gradOutput * ctx.output * (1 - ctx.output)
    }
  }

  /// `Swift.max(x, 0)` elementwise; the gradient at 0 is 0, as in PyTorch.
  public func relu() -> Tensor {
    unary(ReluF(), .relu) { [self] in $0.gradOutput.gated(by: self, PositiveGate()) }
  }

  /// Each element limited to [`min`, `max`]; the gradient passes where `min ≤ x ≤ max`.
  public func clamp(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
    check(low <= high, "clamp: min \(low) is greater than max \(high)")
    return unary(ClampF(low: low, high: high), .clamp) { [self] in
      $0.gradOutput.gated(by: self, RangeGate(low: low, high: high))
    }
  }

  /// The absolute value elementwise; the gradient at 0 is 0.
  public func abs() -> Tensor {
    unary(AbsF(), .abs) { [self] in $0.gradOutput * sign() }
  }

  /// The sine elementwise (radians).
  public func sin() -> Tensor { unary(SinF(), .sin) { [self] in $0.gradOutput * cos() } }

  /// The cosine elementwise (radians).
  public func cos() -> Tensor { unary(CosF(), .cos) { [self] in -($0.gradOutput * sin()) } }

  /// The error function `erf x = (2/√π) ∫₀ˣ e^(−t²) dt` elementwise, like `torch.erf`.
  public func erf() -> Tensor {
    unary(ErfF(), .erf) { [self] in
      $0.gradOutput * ((self * self).neg().exp() * (2 / Double.pi.squareRoot()))
    }
  }

  /// `ln(1 + x)` elementwise, accurate for small `x`, like `torch.log1p`.
  public func log1p() -> Tensor { unary(Log1pF(), .log1p) { [self] in $0.gradOutput / (self + 1) } }

  /// `eˣ − 1` elementwise, accurate for small `x`, like `torch.expm1`.
  public func expm1() -> Tensor {
    unary(Expm1F(), .expm1, savingOutput: true) { $0.gradOutput * ($0.output + 1) }
  }

  /// `−x`, like `torch.neg`.
  public func neg() -> Tensor { -self }

  /// −1, 0 or 1 by the sign of each element (NaN stays NaN), like `torch.sign`; not
  /// differentiable (its gradient is 0, as in PyTorch).
  public func sign() -> Tensor { detached().map(SignF(), .compare) }

  /// Each element rounded to the nearest integer, ties to even, like `torch.round`; not
  /// differentiable.
  public func round() -> Tensor { detached().map(RoundF(rule: .toNearestOrEven), .compare) }

  /// Each element rounded down, like `torch.floor`; not differentiable.
  public func floor() -> Tensor { detached().map(RoundF(rule: .down), .compare) }

  /// Each element rounded up, like `torch.ceil`; not differentiable.
  public func ceil() -> Tensor { detached().map(RoundF(rule: .up), .compare) }

  /// This gradient where `gate(self, x)` passes it and 0 elsewhere: the fused backward of
  /// relu and clamp (PyTorch's `threshold_backward`). Its own derivative is the same gate for
  /// the gradient, and none for `x` (the gate's dependence on `x` has zero derivative almost
  /// everywhere); `x` is still an input, so that the result stays on the graph of `x`, as in
  /// PyTorch.
  func gated<G: BinaryScalarFunction>(by x: Tensor, _ gate: G) -> Tensor {
    let y = zipMap(x.detached(), gate)
    return Tensor.record(.gate, inputs: [self, x], output: y) { ctx in
      [ctx.needsGradient(ofInput: 0) ? ctx.gradOutput.gated(by: x, gate) : nil, nil]
    }
  }

  /// The tensor converted to `dtype`, like `tensor.to(dtype)`. Conversions between floating
  /// types are differentiable; conversion to `int64` truncates and cuts the tape.
  public func to(_ newType: DType) -> Tensor {
    if newType == dtype { return self }
    let y = Tensor(uninitializedShape: shape, dtype: newType)
    let n = count
    func convert<S, D>(_ s: S.Type, _ d: D.Type, _ f: (S) -> D) {
      let src = storage.pointer(S.self)
      let dst = y.storage.pointer(D.self)
      for i in 0..<n { dst[i] = f(src[i]) }
    }
    switch (dtype, newType) {
    case (.float32, .float64): convert(Float.self, Double.self) { Double($0) }
    case (.float64, .float32): convert(Double.self, Float.self) { Float($0) }
    case (.int64, .float32): convert(Int.self, Float.self) { Float($0) }
    case (.int64, .float64): convert(Int.self, Double.self) { Double($0) }
    case (.float32, .int64): convert(Float.self, Int.self) { $0.isFinite ? Int($0) : 0 }
    case (.float64, .int64): convert(Double.self, Int.self) { $0.isFinite ? Int($0) : 0 }
    default: preconditionFailure("to: \(dtype) → \(newType) is the identity")
    }
    guard newType.isFloatingPoint, dtype.isFloatingPoint else { return y }
    let original = dtype
    return Tensor.record(.cast, inputs: [self], output: y) { [$0.gradOutput.to(original)] }
  }
}
