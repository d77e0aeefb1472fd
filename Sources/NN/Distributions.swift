import Foundation

/// A normal (Gaussian) distribution with mean `loc` and standard deviation `scale`
/// (broadcasting), like `torch.distributions.Normal`.
///
/// ```swift
/// let z = Normal(loc: mu, scale: (0.5 * logVar).exp()).rsample()  // reparameterised: differentiable
/// ```
public struct Normal {
  /// The mean.
  public let loc: Tensor
  /// The standard deviation (positive).
  public let scale: Tensor

  /// The distribution with mean `loc` and standard deviation `scale`.
  public init(loc: Tensor, scale: Tensor) {
    self.loc = loc
    self.scale = scale
  }

  /// The mean, `loc`.
  public var mean: Tensor { loc }
  /// The standard deviation, `scale`.
  public var stddev: Tensor { scale }
  /// The variance, `scale²`.
  public var variance: Tensor { scale * scale }

  /// The shape of one draw: `loc` and `scale` broadcast together.
  var batchShape: [Int] { (loc.detached() + scale.detached()).shape }

  /// A draw, not differentiable (like `sample()`).
  public func sample(using generator: Generator = .default) -> Tensor {
    noGrad { rsample(using: generator) }.detached()
  }

  /// A reparameterised draw `loc + ε·scale` with ε ~ N(0, 1), differentiable in `loc` and
  /// `scale` (like `rsample()`).
  public func rsample(using generator: Generator = .default) -> Tensor {
    let eps = Tensor.randn(batchShape, dtype: loc.dtype, generator: generator)
    return loc + eps * scale
  }

  /// The log-density at `value`: `−(value − loc)²/(2·scale²) − log scale − log √(2π)`.
  public func logProb(_ value: Tensor) -> Tensor {
    let z = (value - loc) / scale
    return z * z * -0.5 - scale.log() - 0.5 * Foundation.log(2 * Double.pi)
  }

  /// The differential entropy `½ + ½·log(2π) + log scale`.
  public func entropy() -> Tensor {
    scale.log() + (0.5 + 0.5 * Foundation.log(2 * Double.pi))
  }

  /// KL(self ‖ other) between two normal distributions, like `kl_divergence(p, q)`.
  public func klDivergence(_ other: Normal) -> Tensor {
    let ratio = scale / other.scale
    let diff = (loc - other.loc) / other.scale
    return (ratio * ratio + diff * diff - 1) * 0.5 - ratio.log()
  }
}

/// A Bernoulli distribution over 0 and 1, from probabilities or logits, like
/// `torch.distributions.Bernoulli`.
public struct Bernoulli {
  /// The probability of 1.
  public let probs: Tensor
  /// The log-odds `log(p / (1 − p))`.
  public let logits: Tensor

  /// The distribution with probability `probs` of 1.
  public init(probs: Tensor) {
    self.probs = probs
    let eps = probs.dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
    let p = probs.clamp(min: eps, max: 1 - eps)
    logits = p.log() - (1 - p).log()
  }

  /// The distribution with log-odds `logits`.
  public init(logits: Tensor) {
    self.logits = logits
    probs = logits.sigmoid()
  }

  /// Draws of 0 or 1 (in the probabilities' type), not differentiable.
  public func sample(using generator: Generator = .default) -> Tensor {
    noGrad {
      Tensor.rand(probs.shape, dtype: probs.dtype, generator: generator).lt(probs.detached())
        .to(probs.dtype)
    }
  }

  /// The log-probability of `value` (0 or 1): `−BCEWithLogits(logits, value)`, computed stably.
  public func logProb(_ value: Tensor) -> Tensor {
    -binaryCrossEntropyWithLogits(logits, value.to(logits.dtype), reduction: .none)
  }

  /// The entropy `−p·log p − (1 − p)·log(1 − p)`.
  public func entropy() -> Tensor {
    binaryCrossEntropyWithLogits(logits, probs, reduction: .none)
  }
}

/// Samples from the Gumbel-softmax distribution over the last axis of `logits`, like
/// `torch.nn.functional.gumbel_softmax`: `softmax((logits + g) / tau)` with Gumbel noise
/// `g = −log(−log U)`. With `hard`, the result is the one-hot vector of the largest entry in the
/// forward pass, with the soft sample's gradient (the straight-through form
/// `hard − soft.detached() + soft`). Differentiable in `logits`, on the tape.
public func gumbelSoftmax(
  _ logits: Tensor, tau: Double = 1, hard: Bool = false, generator: Generator = .default
) -> Tensor {
  check(tau > 0, "gumbelSoftmax: tau must be positive, got \(tau)")
  let u = Tensor.uniform(logits.shape, dtype: logits.dtype, generator: generator)
  let eps =
    logits.dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
  let gumbels = -(-(u.clamp(min: eps)).log()).clamp(min: eps).log()
  let soft = ((logits + gumbels) / tau).softmax(dim: -1)
  guard hard else { return soft }
  let index = soft.argmax(dim: -1, keepDim: true)
  let hardSample = Tensor.ones(index.shape, dtype: logits.dtype)
    .scatterAdd(into: logits.shape, dim: logits.rank - 1, index: index)
  return hardSample - soft.detached() + soft
}

/// Rescales the gradients of `parameters` in place so that their combined `normType`-norm is at
/// most `maxNorm`, like `torch.nn.utils.clip_grad_norm_`: the factor is
/// `min(1, maxNorm / (total + 1e-6))`. Parameters without a gradient are skipped. Returns the
/// total norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
  let grads = parameters.compactMap(\.grad)
  guard !grads.isEmpty else { return 0 }
  let total = noGrad { () -> Double in
    if normType == .infinity { return grads.map { $0.abs().max().item() }.max() ?? 0 }
    let sum = grads.map { $0.norm(normType).item() }.reduce(0) { $0 + Foundation.pow($1, normType) }
    return Foundation.pow(sum, 1 / normType)
  }
  let coefficient = Swift.min(1, maxNorm / (total + 1e-6))
  if coefficient < 1 {
    for p in parameters { if let g = p.grad { p.grad = noGrad { g * coefficient } } }
  }
  return total
}

/// Clamps every gradient of `parameters` to [−`value`, `value`] in place, like
/// `torch.nn.utils.clip_grad_value_`.
public func clipGradValue(_ parameters: [Tensor], _ value: Double) {
  check(value >= 0, "clipGradValue: the clip value must not be negative, got \(value)")
  for p in parameters { if let g = p.grad { p.grad = noGrad { g.clamp(min: -value, max: value) } } }
}
