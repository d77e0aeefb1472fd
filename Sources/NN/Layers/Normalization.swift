/// Batch normalization over the channel axis (1) of [N, C] / [N, C, L] (``BatchNorm1d``) or
/// [N, C, H, W] (``BatchNorm2d``) inputs, like `torch.nn.BatchNorm1d/2d`: in training mode each
/// channel is normalised with the batch's mean and biased variance, and the running statistics
/// are updated (`running = (1 − momentum)·running + momentum·batch`, with the unbiased variance;
/// a `nil` momentum takes the cumulative average); in evaluation mode the running statistics are
/// used. Parameters `weight`, `bias` and buffers `running_mean`, `running_var`,
/// `num_batches_tracked` carry PyTorch's `state_dict` names.
open class BatchNorm: Module, @unchecked Sendable {
  /// The scale γ per channel, [C] (ones), when `affine`.
  public let weight: Tensor?
  /// The shift β per channel, [C] (zeros), when `affine`.
  public let bias: Tensor?
  /// The running mean per channel, [C] (a buffer), when `trackRunningStats`.
  public let running_mean: Tensor?
  /// The running (unbiased) variance per channel, [C] (a buffer), when `trackRunningStats`.
  public let running_var: Tensor?
  /// The number of training batches seen, an `int64` scalar (a buffer).
  public let num_batches_tracked: Tensor?
  /// The number of channels.
  public let numFeatures: Int
  /// Added to the variance before the square root.
  public let eps: Double
  /// The weight of the newest batch in the running statistics (`nil`: cumulative average).
  public let momentum: Double?
  /// The input ranks this layer accepts.
  let ranks: [Int]

  init(
    _ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool,
    ranks: [Int]
  ) {
    self.numFeatures = numFeatures
    self.eps = eps
    self.momentum = momentum
    self.ranks = ranks
    weight = affine ? Tensor.ones([numFeatures]).requiringGrad() : nil
    bias = affine ? Tensor.zeros([numFeatures]).requiringGrad() : nil
    running_mean = trackRunningStats ? Tensor.zeros([numFeatures]) : nil
    running_var = trackRunningStats ? Tensor.ones([numFeatures]) : nil
    num_batches_tracked = trackRunningStats ? Tensor(0, dtype: .int64) : nil
    super.init()
    if trackRunningStats {
      for name in ["running_mean", "running_var", "num_batches_tracked"] { registerBuffer(name) }
    }
  }

  /// Normalises each channel; see the type's documentation.
  open override func forward(_ input: Tensor) -> Tensor {
    check(
      ranks.contains(input.rank) && input.shape[1] == numFeatures,
      "\(type(of: self)): expected input of rank \(ranks.map(String.init).joined(separator: " or ")) with \(numFeatures) channels on axis 1, got \(input.shape)"
    )
    let axes = [0] + Array(2..<input.rank)
    var statShape = [Int](repeating: 1, count: input.rank)
    statShape[1] = numFeatures
    let mean: Tensor
    let variance: Tensor
    if isTraining || running_mean == nil {
      mean = input.mean(dims: axes, keepDim: true)
      variance = input.variance(dims: axes, correction: 0, keepDim: true)
      if isTraining, let runningMean = running_mean, let runningVar = running_var,
        let tracked = num_batches_tracked
      {
        noGrad {
          let count = tracked.item() + 1
          tracked.assign(Tensor(count, dtype: .int64))
          let m = momentum ?? 1 / count
          let n = Double(input.count / numFeatures)
          let unbiased = variance.reshape([numFeatures]) * (n / Swift.max(n - 1, 1))
          runningMean.assign(runningMean * (1 - m) + mean.reshape([numFeatures]) * m)
          runningVar.assign(runningVar * (1 - m) + unbiased * m)
        }
      }
    } else {
      mean = running_mean!.reshape(statShape)
      variance = running_var!.reshape(statShape)
    }
    var y = (input - mean) / (variance + eps).sqrt()
    if let weight, let bias { y = y * weight.reshape(statShape) + bias.reshape(statShape) }
    return y
  }
}

/// Batch normalization of [N, C] or [N, C, L] inputs, like `torch.nn.BatchNorm1d`; see
/// ``BatchNorm``.
public final class BatchNorm1d: BatchNorm, @unchecked Sendable {
  /// Creates the layer with PyTorch's defaults (`eps` 1e-5, `momentum` 0.1).
  public init(
    _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
    trackRunningStats: Bool = true
  ) {
    super.init(
      numFeatures, eps: eps, momentum: momentum, affine: affine,
      trackRunningStats: trackRunningStats, ranks: [2, 3])
  }
}

/// Batch normalization of [N, C, H, W] inputs, like `torch.nn.BatchNorm2d`; see ``BatchNorm``.
public final class BatchNorm2d: BatchNorm, @unchecked Sendable {
  /// Creates the layer with PyTorch's defaults (`eps` 1e-5, `momentum` 0.1).
  public init(
    _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
    trackRunningStats: Bool = true
  ) {
    super.init(
      numFeatures, eps: eps, momentum: momentum, affine: affine,
      trackRunningStats: trackRunningStats, ranks: [4])
  }
}

/// Layer normalization over the last axes, like `torch.nn.LayerNorm`: each input is normalised
/// by the mean and biased variance of its trailing `normalizedShape` elements, then scaled by
/// `weight` and shifted by `bias` (of that shape; ones and zeros at first).
public final class LayerNorm: Module, @unchecked Sendable {
  /// The scale, of `normalizedShape`, when `elementwiseAffine`.
  public let weight: Tensor?
  /// The shift, of `normalizedShape`, when `elementwiseAffine`.
  public let bias: Tensor?
  /// The trailing shape that is normalised.
  public let normalizedShape: [Int]
  /// Added to the variance before the square root.
  public let eps: Double

  /// Creates the layer with PyTorch's defaults.
  public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true) {
    self.normalizedShape = normalizedShape
    self.eps = eps
    weight = elementwiseAffine ? Tensor.ones(normalizedShape).requiringGrad() : nil
    bias = elementwiseAffine ? Tensor.zeros(normalizedShape).requiringGrad() : nil
    super.init()
  }

  /// Normalises the trailing `normalizedShape` axes of `input`.
  public override func forward(_ input: Tensor) -> Tensor {
    let k = normalizedShape.count
    check(
      input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
      "LayerNorm: input of shape \(input.shape) does not end in the normalized shape \(normalizedShape)"
    )
    return layerNorm(
      input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
  }
}

/// A lookup table of `numEmbeddings` vectors of `embeddingDim` elements, like
/// `torch.nn.Embedding`: `int64` indices of any shape give vectors of shape
/// `indices.shape + [embeddingDim]`. The weight starts as N(0, 1), with the `paddingIndex` row
/// zero; that row gets no gradient.
public final class Embedding: Module, @unchecked Sendable {
  /// The table, [numEmbeddings, embeddingDim].
  public let weight: Tensor
  /// The row that is returned as it is but never trained, if any.
  public let paddingIndex: Int?

  /// Creates the table with PyTorch's initialisation, drawn from `generator`.
  public init(
    _ numEmbeddings: Int, _ embeddingDim: Int, paddingIndex: Int? = nil,
    generator: Generator = .default
  ) {
    if let paddingIndex {
      check(
        (0..<numEmbeddings).contains(paddingIndex),
        "Embedding: paddingIndex \(paddingIndex) is out of range for \(numEmbeddings) embeddings")
    }
    var table = Tensor.randn([numEmbeddings, embeddingDim], generator: generator)
    if let paddingIndex {
      let keep = Tensor(
        shape: [numEmbeddings, 1], scalars: (0..<numEmbeddings).map { $0 == paddingIndex ? 0 : 1 })
      table = table * keep
    }
    weight = table.requiringGrad()
    self.paddingIndex = paddingIndex
    super.init()
  }

  /// The rows of the table at `indices` (the layer's input is the index tensor).
  public override func forward(_ input: Tensor) -> Tensor {
    embedding(input, weight: weight, paddingIndex: paddingIndex)
  }
}
