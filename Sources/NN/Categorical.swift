/// A categorical distribution over the last axis, like `torch.distributions.Categorical`.
///
/// ```swift
/// let m = Categorical(probs: policy(x))
/// let action = m.sample()
/// let loss = (-m.logProb(action) * reward).mean()
/// ```
public struct Categorical {
  /// The normalised probabilities, [..., K].
  public let probs: Tensor
  /// The normalised log-probabilities, [..., K] (differentiable).
  public let logits: Tensor

  /// A distribution from (unnormalised, non-negative) probabilities. As in PyTorch, they are
  /// normalised, and log-probabilities are taken of probabilities clamped to [ε, 1 − ε].
  public init(probs: Tensor) {
    let normalised = probs / probs.sum(dim: -1, keepDim: true)
    let eps = probs.dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
    self.probs = normalised
    logits = normalised.clamp(min: eps, max: 1 - eps).log()
  }

  /// A distribution from unnormalised log-probabilities.
  public init(logits: Tensor) {
    self.logits = logits - logits.logsumexp(dim: -1, keepDim: true)
    probs = logits.softmax(dim: -1)
  }

  /// One draw per distribution (`int64`, shape [...]), not differentiable.
  public func sample(using generator: Generator = .default) -> Tensor {
    sampleCategorical(probabilities: probs.detached(), generator: generator)
  }

  /// The log-probability of each value in `value` ([...], `int64`), differentiable.
  public func logProb(_ value: Tensor) -> Tensor {
    check(
      value.shape == Array(logits.shape.dropLast()),
      "Categorical.logProb: value of shape \(value.shape) does not match batch shape \(Array(logits.shape.dropLast()))"
    )
    let rank = logits.rank
    return logits.gather(dim: rank - 1, index: value.unsqueeze(dim: rank - 1)).squeeze(
      dim: rank - 1)
  }

  /// The entropy −Σ p·log p of each distribution, differentiable.
  public func entropy() -> Tensor {
    -(probs * logits).sum(dim: -1)
  }

  /// The Kullback–Leibler divergence KL(self ‖ other) = Σ p·(log p − log q) per distribution,
  /// like `torch.distributions.kl_divergence(p, q)`; differentiable in both.
  public func klDivergence(_ other: Categorical) -> Tensor {
    check(
      probs.shape == other.probs.shape,
      "Categorical.klDivergence: shapes \(probs.shape) and \(other.probs.shape) differ")
    return (probs * (logits - other.logits)).sum(dim: -1)
  }
}
