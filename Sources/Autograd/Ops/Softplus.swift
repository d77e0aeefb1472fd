// softplus, a smooth ReLU: its scalar function, then the op's forward and derivative rule.

import AutogradKernels

/// `(1/β)·log(1 + e^(β·x))`, or `x` itself where `β·x > threshold`, as PyTorch.
struct SoftplusF: UnaryScalarFunction {
  let beta: Double
  let threshold: Double
  @inline(__always) func callAsFunction<T: KernelScalar>(_ x: T) -> T {
    let bx = T(beta) * x
    if bx > T(threshold) { return x }
    let e = T.exp(bx)
    if !e.isFinite { return x }
    // log(1 + e) without a log1p: e itself when 1 + e rounds to 1, else Goldberg's correction.
    let u = 1 + e
    let log1pE = u == 1 ? e : T.log(u) * e / (u - 1)
    return log1pE / T(beta)
  }
}

extension Tensor {
  /// `(1/β)·log(1 + e^(β·x))` elementwise, a smooth ReLU, like `torch.nn.functional.softplus`.
  ///
  /// Where `β·x > threshold` the result is `x` itself (and the gradient 1), for numerical
  /// stability; elsewhere the gradient is `σ(β·x)`.
  public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
    check(beta != 0, "softplus: beta must be non-zero")
    return unary(SoftplusF(beta: beta, threshold: threshold), .softplus) { [self] ctx in
      let bx = self * beta
      return ctx.gradOutput * Tensor.where(bx.gt(threshold), 1, bx.sigmoid())
    }
  }
}
