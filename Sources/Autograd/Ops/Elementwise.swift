// Elementwise functions of one tensor; each op's forward and pullback side by side.

struct ExpF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { T.exp(x) }
  static var vectorized: ((SIMD16<Float>) -> SIMD16<Float>)? { Kernels.exp }
}
struct LogF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { T.log(x) }
  static var vectorized: ((SIMD16<Float>) -> SIMD16<Float>)? { Kernels.log }
}
struct PowF: UnaryScalarFunction {
  let p: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T {
    p == 2 ? x * x : T.pow(x, T(p))
  }
}
/// `g · p · x^(p−1)`.
struct PowGradF: BinaryScalarFunction {
  let p: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ x: T) -> T {
    p == 2 ? g * 2 * x : g * T(p) * T.pow(x, T(p - 1))
  }
}
struct SqrtF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { x.squareRoot() }
}
/// `g / (2·√x)` given `y = √x`.
struct SqrtGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ y: T) -> T { g / (2 * y) }
}
struct TanhF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { T.tanh(x) }
}
/// `g · (1 − y²)` given `y = tanh x`.
struct TanhGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ y: T) -> T { g * (1 - y * y) }
}
struct SigmoidF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T {
    x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x))
  }
}
/// `g · y · (1 − y)` given `y = σ(x)`.
struct SigmoidGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ y: T) -> T { g * y * (1 - y) }
}
struct ReluF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { x > 0 ? x : 0 }
}
/// `g` where `x > 0`, else 0 (PyTorch's choice at 0).
struct ReluGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ x: T) -> T { x > 0 ? g : 0 }
}
struct ClampF: UnaryScalarFunction {
  let low: Double
  let high: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T {
    x.isNaN ? x : Swift.min(Swift.max(x, T(low)), T(high))
  }
}
/// `g` where `low ≤ x ≤ high`, else 0, as PyTorch.
struct ClampGradF: BinaryScalarFunction {
  let low: Double
  let high: Double
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ x: T) -> T {
    x >= T(low) && x <= T(high) ? g : 0
  }
}
struct AbsF: UnaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ x: T) -> T { Swift.abs(x) }
}
/// `g · sign(x)`, with sign(0) = 0.
struct AbsGradF: BinaryScalarFunction {
  @inline(__always) func callAsFunction<T: TensorScalar>(_ g: T, _ x: T) -> T {
    x > 0 ? g : (x < 0 ? -g : 0)
  }
}

extension Tensor {
  /// `eˣ` elementwise.
  public func exp() -> Tensor {
    let y = map(ExpF(), .exp)
    return Tensor.record(.exp, [self], y) { g in [g * y] }
  }

  /// The natural logarithm elementwise.
  public func log() -> Tensor {
    let y = map(LogF(), .log)
    let x = detached()
    return Tensor.record(.log, [self], y) { g in [g.zipMap(x, DivF())] }
  }

  /// Each element raised to the scalar power `exponent`.
  public func pow(_ exponent: Double) -> Tensor {
    let y = map(PowF(p: exponent), .pow)
    let x = detached()
    return Tensor.record(.pow, [self], y) { g in [g.zipMap(x, PowGradF(p: exponent))] }
  }

  /// The square root elementwise.
  public func sqrt() -> Tensor {
    let y = map(SqrtF(), .sqrt)
    return Tensor.record(.sqrt, [self], y) { g in [g.zipMap(y, SqrtGradF())] }
  }

  /// The hyperbolic tangent elementwise.
  public func tanh() -> Tensor {
    let y = map(TanhF(), .tanh)
    return Tensor.record(.tanh, [self], y) { g in [g.zipMap(y, TanhGradF())] }
  }

  /// The logistic sigmoid `1 / (1 + e⁻ˣ)` elementwise.
  public func sigmoid() -> Tensor {
    let y = map(SigmoidF(), .sigmoid)
    return Tensor.record(.sigmoid, [self], y) { g in [g.zipMap(y, SigmoidGradF())] }
  }

  /// `Swift.max(x, 0)` elementwise; the gradient at 0 is 0, as in PyTorch.
  public func relu() -> Tensor {
    let y = map(ReluF(), .relu)
    let x = detached()
    return Tensor.record(.relu, [self], y) { g in [g.zipMap(x, ReluGradF())] }
  }

  /// Each element limited to [`min`, `max`]; the gradient passes where `min ≤ x ≤ max`.
  public func clamp(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
    check(low <= high, "clamp: min \(low) is greater than max \(high)")
    let y = map(ClampF(low: low, high: high), .clamp)
    let x = detached()
    return Tensor.record(.clamp, [self], y) { g in
      [g.zipMap(x, ClampGradF(low: low, high: high))]
    }
  }

  /// The absolute value elementwise; the gradient at 0 is 0.
  public func abs() -> Tensor {
    let y = map(AbsF(), .abs)
    let x = detached()
    return Tensor.record(.abs, [self], y) { g in [g.zipMap(x, AbsGradF())] }
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
    default: fatalError("unreachable")
    }
    guard newType.isFloatingPoint, dtype.isFloatingPoint else { return y }
    let original = dtype
    return Tensor.record(.cast, [self], y) { g in [g.to(original)] }
  }
}
