import Foundation

/// Runs `body(j, p, state, g)` for every element `j` of parameter `p`, with the parameter, its
/// state buffers and its gradient as `Double`, and stores the returned new value and the updated
/// state back in their tensors' types (for float32 parameters the result agrees with PyTorch's
/// float32 kernels to float32 precision; in float64 it is PyTorch's arithmetic).
private func elementwise(
  _ p: Tensor, _ grad: Tensor, _ buffers: [Tensor],
  _ body: (Int, UnsafeMutableBufferPointer<Double>, [UnsafeMutableBufferPointer<Double>], Double) ->
    Double
) {
  func copy(_ t: Tensor) -> UnsafeMutableBufferPointer<Double> {
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(t.count, 1))
    _ = buffer.initialize(from: t.doubleScalars)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<t.count])
  }
  let values = copy(p)
  let state = buffers.map(copy)
  defer {
    values.deallocate()
    for s in state { s.deallocate() }
  }
  let g = grad.to(p.dtype).doubleScalars
  for j in 0..<values.count { values[j] = body(j, values, state, g[j]) }
  noGrad {
    p.assign(Tensor(shape: p.shape, scalars: Array(values)))
    for (b, s) in zip(buffers, state) { b.assign(Tensor(shape: b.shape, scalars: Array(s))) }
  }
}

/// RMSprop with PyTorch's update (`torch.optim.RMSprop`): `v = α·v + (1 − α)·g²`; with
/// `centered`, `m = α·m + (1 − α)·g` and `v − m²` in place of `v`; `d = g / (√v + ε)`;
/// with momentum `b = μ·b + d` and `p −= lr·b`, else `p −= lr·d`. Weight decay adds `λ·p` to `g`.
public final class RMSprop: Optimizer, @unchecked Sendable {
  /// The smoothing constant α.
  public let alpha: Double
  /// Added to the root mean square.
  public let eps: Double
  /// The L2 penalty λ of groups that set none.
  public let weightDecay: Double
  /// The momentum factor μ.
  public var momentum: Double
  /// Whether to normalise by the centred second moment.
  public let centered: Bool

  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
    weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false
  ) {
    (self.alpha, self.eps, self.weightDecay, self.momentum, self.centered) = (
      alpha, eps, weightDecay, momentum, centered
    )
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      steps[i, default: 0] += 1
      let names =
        ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : [])
      let buffers = names.map { buffer(i, $0) }
      let (a, e, mu) = (alpha, eps, momentum)
      let (wd, lr) = (weightDecay(ofParameter: i), learningRate(ofParameter: i))
      let (hasMomentum, isCentered) = (momentum > 0, centered)
      elementwise(p, grad, buffers) { j, pp, s, gj in
        let g = gj + wd * pp[j]
        s[0][j] = s[0][j] * a + (1 - a) * g * g
        var avg: Double
        if isCentered {
          let m = s[hasMomentum ? 2 : 1]
          m[j] = m[j] + (1 - a) * (g - m[j])
          avg = (s[0][j] - m[j] * m[j]).squareRoot() + e
        } else {
          avg = s[0][j].squareRoot() + e
        }
        if hasMomentum {
          s[1][j] = s[1][j] * mu + g / avg
          return pp[j] - lr * s[1][j]
        }
        return pp[j] - lr * (g / avg)
      }
    }
  }
}

/// Adagrad with PyTorch's update (`torch.optim.Adagrad`): `s += g²`,
/// `p −= lr / (1 + (t − 1)·decay) · g / (√s + ε)`.
public final class Adagrad: Optimizer, @unchecked Sendable {
  /// The learning-rate decay per step.
  public let learningRateDecay: Double
  /// The L2 penalty of groups that set none.
  public let weightDecay: Double
  /// The starting value of the sum of squares.
  public let initialAccumulatorValue: Double
  /// Added to the root of the sum of squares.
  public let eps: Double

  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 1e-2, learningRateDecay: Double = 0,
    weightDecay: Double = 0, initialAccumulatorValue: Double = 0, eps: Double = 1e-10
  ) {
    (self.learningRateDecay, self.weightDecay, self.initialAccumulatorValue, self.eps) = (
      learningRateDecay, weightDecay, initialAccumulatorValue, eps
    )
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
    for (i, p) in self.parameters.enumerated() {
      state[i, default: [:]]["sum"] = Tensor.full(
        p.shape, value: initialAccumulatorValue, dtype: p.dtype)
    }
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      steps[i, default: 0] += 1
      let clr = learningRate(ofParameter: i) / (1 + Double(steps[i]! - 1) * learningRateDecay)
      let (wd, e) = (weightDecay(ofParameter: i), eps)
      elementwise(p, grad, [buffer(i, "sum")]) { j, pp, s, gj in
        let g = gj + wd * pp[j]
        s[0][j] += g * g
        return pp[j] - clr * (g / (s[0][j].squareRoot() + e))
      }
    }
  }
}

/// Adamax with PyTorch's update (`torch.optim.Adamax`): `m = m + (1 − β₁)·(g − m)`,
/// `u = max(β₂·u, |g| + ε)`, `p −= lr / (1 − β₁ᵗ) · m / u`.
public final class Adamax: Optimizer, @unchecked Sendable {
  /// β₁ and β₂.
  public var betas: (Double, Double)
  /// Added to |g| in the infinity norm.
  public let eps: Double
  /// The L2 penalty of groups that set none.
  public let weightDecay: Double

  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 0
  ) {
    (self.betas, self.eps, self.weightDecay) = (betas, eps, weightDecay)
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      steps[i, default: 0] += 1
      let clr = learningRate(ofParameter: i) / (1 - Foundation.pow(betas.0, Double(steps[i]!)))
      let (b1, b2, e, wd) = (betas.0, betas.1, eps, weightDecay(ofParameter: i))
      elementwise(p, grad, [buffer(i, "exp_avg"), buffer(i, "exp_inf")]) { j, pp, s, gj in
        let g = gj + wd * pp[j]
        s[0][j] = s[0][j] + (1 - b1) * (g - s[0][j])
        s[1][j] = Swift.max(s[1][j] * b2, Swift.abs(g) + e)
        return pp[j] - clr * (s[0][j] / s[1][j])
      }
    }
  }
}

/// NAdam with PyTorch's update (`torch.optim.NAdam`): Adam with Nesterov momentum and the
/// momentum schedule `μₜ = β₁·(1 − ½·0.96^(t·ψ))`.
public final class NAdam: Optimizer, @unchecked Sendable {
  /// β₁ and β₂.
  public var betas: (Double, Double)
  /// Added to the root of the second moment.
  public let eps: Double
  /// The L2 penalty of groups that set none.
  public let weightDecay: Double
  /// ψ, the momentum decay.
  public let momentumDecay: Double
  /// The running product of the μₜ per parameter (`mu_product`).
  public private(set) var muProducts: [Int: Double] = [:]

  /// Creates the optimizer over tensors or ``ParameterGroup``s, with PyTorch's defaults.
  public init<P: OptimizerParameters>(
    _ parameters: [P], learningRate: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 0, momentumDecay: Double = 4e-3
  ) {
    (self.betas, self.eps, self.weightDecay, self.momentumDecay) = (
      betas, eps, weightDecay, momentumDecay
    )
    super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
  }

  /// One update of every parameter that has a gradient.
  public override func step() {
    for (i, p) in parameters.enumerated() {
      guard let grad = p.grad else { continue }
      steps[i, default: 0] += 1
      let t = Double(steps[i]!)
      let (b1, b2) = betas
      let mu = b1 * (1 - 0.5 * Foundation.pow(0.96, t * momentumDecay))
      let muNext = b1 * (1 - 0.5 * Foundation.pow(0.96, (t + 1) * momentumDecay))
      let product = (muProducts[i] ?? 1) * mu
      muProducts[i] = product
      let productNext = product * muNext
      let bc2 = 1 - Foundation.pow(b2, t)
      let (lr, e, wd) = (learningRate(ofParameter: i), eps, weightDecay(ofParameter: i))
      elementwise(p, grad, [buffer(i, "exp_avg"), buffer(i, "exp_avg_sq")]) { j, pp, s, gj in
        let g = gj + wd * pp[j]
        s[0][j] = s[0][j] + (1 - b1) * (g - s[0][j])
        s[1][j] = s[1][j] * b2 + (1 - b2) * g * g
        let denom = (s[1][j] / bc2).squareRoot() + e
        var value = pp[j] - lr * (1 - mu) / (1 - product) * (g / denom)
        value -= lr * muNext / (1 - productNext) * (s[0][j] / denom)
        return value
      }
    }
  }
}
