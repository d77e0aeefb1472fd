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
public func nllLoss(
  _ logProbabilities: Tensor, _ targets: Tensor, reduction: Reduction = .mean
) -> Tensor {
  check(
    logProbabilities.rank == 2 && targets.shape == [logProbabilities.shape[0]],
    "nllLoss: expected input [N, C] and targets [N], got \(logProbabilities.shape) and \(targets.shape)"
  )
  let n = logProbabilities.shape[0]
  let picked = logProbabilities.gather(dim: 1, index: targets.reshape([n, 1])).reshape([n])
  return (-picked).reduced(reduction)
}

/// The cross-entropy between `logits` [N, C] and class indices `targets` [N], like
/// `torch.nn.functional.cross_entropy`, with optional label smoothing ε: each target becomes
/// (1 − ε)·one-hot + ε/C.
public func crossEntropy(
  _ logits: Tensor, _ targets: Tensor, reduction: Reduction = .mean, labelSmoothing: Double = 0
) -> Tensor {
  check(
    (0...1).contains(labelSmoothing),
    "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
  let logProbabilities = logits.logSoftmax(dim: 1)
  let nll = nllLoss(logProbabilities, targets, reduction: .none)
  guard labelSmoothing > 0 else { return nll.reduced(reduction) }
  let smooth = -logProbabilities.mean(dim: 1)
  return ((1 - labelSmoothing) * nll + labelSmoothing * smooth).reduced(reduction)
}

/// The mean squared error, like `torch.nn.functional.mse_loss` (shapes must broadcast).
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  (input - target).pow(2).reduced(reduction)
}
