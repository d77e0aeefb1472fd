/// How a loss combines the per-example losses, like PyTorch's `reduction=`.
public enum Reduction: Sendable {
  /// The mean over examples (the default).
  case mean
  /// The sum over examples.
  case sum
  /// One loss per example.
  case none
}

extension Tensor {
  /// The per-example losses reduced as asked.
  func reduced(_ reduction: Reduction) -> Tensor {
    switch reduction {
    case .mean: mean()
    case .sum: sum()
    case .none: self
    }
  }
}

/// The negative log-likelihood of `targets` under `logProbabilities` [N, C], like
/// `torch.nn.functional.nll_loss`. `targets` holds class indices [N] (`int64`).
///
/// - Parameters:
///   - weight: A weight per class [C]: each example's loss is scaled by its target's weight, and
///     the mean divides by the sum of those weights (PyTorch's weighted mean).
///   - ignoreIndex: Targets equal to it contribute nothing, to the loss or to the mean's
///     denominator (PyTorch's default is −100).
public func nllLoss(
  _ logProbabilities: Tensor, _ targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
  reduction: Reduction = .mean
) -> Tensor {
  check(
    logProbabilities.rank == 2 && targets.shape == [logProbabilities.shape[0]],
    "nllLoss: expected input [N, C] and targets [N], got \(logProbabilities.shape) and \(targets.shape)"
  )
  let (perExample, weights) = weightedNLL(logProbabilities, targets, weight, ignoreIndex, "nllLoss")
  return reduceWeighted(perExample, weights, reduction)
}

/// Per-example `−w[y]·logp[y]` (0 for ignored targets) and the per-example weights `w[y]`.
private func weightedNLL(
  _ logProbabilities: Tensor, _ targets: Tensor, _ weight: Tensor?, _ ignoreIndex: Int,
  _ op: String
) -> (losses: Tensor, weights: Tensor) {
  let (n, c) = (logProbabilities.shape[0], logProbabilities.shape[1])
  if let weight {
    check(weight.shape == [c], "\(op): weight of shape \(weight.shape) does not match \(c) classes")
  }
  let raw = targets.indices
  let kept = raw.map { $0 != ignoreIndex }
  for (i, t) in raw.enumerated() where kept[i] {
    check(t >= 0 && t < c, "\(op): target \(t) is out of bounds for \(c) classes")
  }
  let safe = Tensor(shape: [n, 1], indices: zip(raw, kept).map { $1 ? $0 : 0 })
  let w = weight?.detached().doubleScalars ?? [Double](repeating: 1, count: c)
  let perExampleWeight = Tensor(
    shape: [n], scalars: zip(raw, kept).map { $1 ? w[$0] : 0 }
  ).to(logProbabilities.dtype)
  let picked = logProbabilities.gather(dim: 1, index: safe).reshape([n])
  return (-picked * perExampleWeight, perExampleWeight)
}

/// Sum, weighted mean (Σ loss / Σ weight) or no reduction.
private func reduceWeighted(_ losses: Tensor, _ weights: Tensor, _ reduction: Reduction) -> Tensor {
  switch reduction {
  case .mean: losses.sum() / weights.sum().item()
  case .sum: losses.sum()
  case .none: losses
  }
}

/// The cross-entropy between `logits` [N, C] and class indices `targets` [N], like
/// `torch.nn.functional.cross_entropy`, with optional class `weight` [C], `ignoreIndex` and label
/// smoothing ε: each target becomes (1 − ε)·one-hot + ε/C (with the class weights applied to
/// both parts, and the weighted mean's denominator Σ w[y], as PyTorch).
public func crossEntropy(
  _ logits: Tensor, _ targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
  reduction: Reduction = .mean, labelSmoothing: Double = 0
) -> Tensor {
  check(
    (0...1).contains(labelSmoothing),
    "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
  check(
    logits.rank == 2 && targets.shape == [logits.shape[0]],
    "crossEntropy: expected input [N, C] and targets [N], got \(logits.shape) and \(targets.shape)")
  let logProbabilities = logits.logSoftmax(dim: 1)
  let (nll, weights) = weightedNLL(
    logProbabilities, targets, weight, ignoreIndex, "crossEntropy")
  guard labelSmoothing > 0 else { return reduceWeighted(nll, weights, reduction) }
  let c = logits.shape[1]
  let classWeights = (weight?.detached() ?? Tensor.ones([c], dtype: logits.dtype)).reshape([1, c])
  let kept = weights.ne(0).to(logits.dtype)
  let smooth = -(logProbabilities * classWeights).sum(dim: 1) * kept / Double(c)
  let combined = (1 - labelSmoothing) * nll + labelSmoothing * smooth
  return reduceWeighted(combined, weights, reduction)
}

/// The mean squared error, like `torch.nn.functional.mse_loss` (shapes must broadcast).
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  (input - target).pow(2).reduced(reduction)
}

/// The mean absolute error, like `torch.nn.functional.l1_loss`.
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  (input - target).abs().reduced(reduction)
}

/// `½·d²/β` where `|d| < β`, else `|d| − β/2`, for `d = input − target`, like
/// `torch.nn.functional.smooth_l1_loss` (β = 0 is the L1 loss).
public func smoothL1Loss(
  _ input: Tensor, _ target: Tensor, beta: Double = 1, reduction: Reduction = .mean
) -> Tensor {
  check(beta >= 0, "smoothL1Loss: beta must not be negative, got \(beta)")
  let d = input - target
  guard beta > 0 else { return d.abs().reduced(reduction) }
  let a = d.abs()
  return Tensor.where(a.lt(beta), d * d * (0.5 / beta), a - 0.5 * beta).reduced(reduction)
}

/// `½·d²` where `|d| < δ`, else `δ·(|d| − δ/2)`, for `d = input − target`, like
/// `torch.nn.functional.huber_loss`.
public func huberLoss(
  _ input: Tensor, _ target: Tensor, delta: Double = 1, reduction: Reduction = .mean
) -> Tensor {
  check(delta > 0, "huberLoss: delta must be positive, got \(delta)")
  let d = input - target
  let a = d.abs()
  return Tensor.where(a.lt(delta), d * d * 0.5, (a - 0.5 * delta) * delta).reduced(reduction)
}

/// The binary cross-entropy of probabilities `input` against `target` (same shape), like
/// `torch.nn.functional.binary_cross_entropy`: `−w·(t·log p + (1 − t)·log(1 − p))`, with each
/// log clamped at −100 as PyTorch does.
public func binaryCrossEntropy(
  _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
  check(
    input.shape == target.shape,
    "binaryCrossEntropy: input of shape \(input.shape) and target of shape \(target.shape) differ")
  let logP = input.log().clamp(min: -100)
  let log1mP = (1 - input).log().clamp(min: -100)
  var loss = -(target * logP + (1 - target) * log1mP)
  if let weight { loss = loss * weight }
  return loss.reduced(reduction)
}

/// The binary cross-entropy of `sigmoid(logits)` against `target`, computed stably from the
/// logits, like `torch.nn.functional.binary_cross_entropy_with_logits`:
/// `(1 − t)·x + (1 + (p − 1)·t)·log(1 + e⁻ˣ)` with the positive-class weight `posWeight` `p`
/// (broadcast along the last axis) and an optional elementwise `weight`.
public func binaryCrossEntropyWithLogits(
  _ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
  reduction: Reduction = .mean
) -> Tensor {
  check(
    logits.shape == target.shape,
    "binaryCrossEntropyWithLogits: input of shape \(logits.shape) and target of shape \(target.shape) differ"
  )
  // log(1 + e⁻ˣ) = softplus(−x), computed stably.
  let logTerm = (-logits).softplus()
  var loss: Tensor
  if let posWeight {
    loss = (1 - target) * logits + (1 + (posWeight - 1) * target) * logTerm
  } else {
    loss = (1 - target) * logits + logTerm
  }
  if let weight { loss = loss * weight }
  return loss.reduced(reduction)
}

/// How ``klDiv(_:_:reduction:logTarget:)`` reduces, like its `reduction=` in PyTorch.
public enum KLDivReduction: Sendable {
  /// The mean over every element (PyTorch's default, which it warns is not the KL divergence).
  case mean
  /// The sum divided by the batch size (the first axis): the KL divergence per example.
  case batchMean
  /// The sum over every element.
  case sum
  /// One value per element.
  case none
}

/// The Kullback–Leibler divergence loss of log-probabilities `input` against `target`
/// probabilities (or log-probabilities with `logTarget`), like `torch.nn.functional.kl_div`:
/// `t·(log t − input)` elementwise, 0 where `t = 0`.
public func klDiv(
  _ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false
) -> Tensor {
  let pointwise: Tensor
  if logTarget {
    pointwise = target.exp() * (target - input)
  } else {
    let positive = target.gt(0)
    let safeLog = Tensor.where(positive, target, 1).log()
    pointwise = Tensor.where(positive, target * (safeLog - input), 0)
  }
  switch reduction {
  case .mean: return pointwise.mean()
  case .batchMean: return pointwise.sum() / Double(Swift.max(input.shape.first ?? 1, 1))
  case .sum: return pointwise.sum()
  case .none: return pointwise
  }
}
