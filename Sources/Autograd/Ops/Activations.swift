// Activation functions, composed of other ops (so each inherits its gradients, to any order).

import AutogradKernels
import Foundation

/// How ``Tensor/gelu(approximate:)`` computes the Gaussian CDF, like PyTorch's `approximate=`.
public enum GELUApproximation: Sendable {
  /// The exact form `x·Φ(x) = x·(1 + erf(x/√2))/2` (`approximate='none'`).
  case none
  /// The tanh form `x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2` (`approximate='tanh'`).
  case tanh
}

extension Tensor {
  /// The Gaussian error linear unit elementwise, like `torch.nn.functional.gelu`.
  public func gelu(approximate: GELUApproximation = .none) -> Tensor {
    switch approximate {
    case .none:
      return self * 0.5 * (1 + (self * (1 / 2.0.squareRoot())).erf())
    case .tanh:
      let inner = (self + self * self * self * 0.044715) * (2 / Double.pi).squareRoot()
      return self * 0.5 * (1 + inner.tanh())
    }
  }

  /// `x·σ(x)` elementwise (swish), like `torch.nn.functional.silu`.
  public func silu() -> Tensor { self * sigmoid() }

  /// `x` where `x > 0`, else `negativeSlope·x`, like `torch.nn.functional.leaky_relu`.
  public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
    Tensor.where(gt(0), self, self * negativeSlope)
  }

  /// `x` where `x > 0`, else `α·(eˣ − 1)`, like `torch.nn.functional.elu`.
  public func elu(alpha: Double = 1) -> Tensor {
    Tensor.where(gt(0), self, expm1() * alpha)
  }

  /// `x·tanh(softplus(x))` elementwise, like `torch.nn.functional.mish`.
  public func mish() -> Tensor { self * softplus().tanh() }

  /// Each element limited to [`min`, `max`], like `torch.nn.functional.hardtanh` (the
  /// gradient passes inside the closed interval, as ``clamp(min:max:)``).
  public func hardtanh(min low: Double = -1, max high: Double = 1) -> Tensor {
    clamp(min: low, max: high)
  }

  /// `x / (1 + |x|)` elementwise, like `torch.nn.functional.softsign`.
  public func softsign() -> Tensor { self / (abs() + 1) }

  /// `log σ(x) = −softplus(−x)` elementwise, computed stably, like
  /// `torch.nn.functional.logsigmoid`.
  public func logSigmoid() -> Tensor { -(-self).softplus() }
}
