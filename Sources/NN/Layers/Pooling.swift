/// Average pooling of `input` [N, C, H, W] over `kernelSize`×`kernelSize` windows every
/// `stride` (default: the kernel size), with zero `padding` counted in the average (PyTorch's
/// `count_include_pad=True`), like `torch.nn.functional.avg_pool2d`. A sum of strided slices, so
/// it differentiates (to any order) like the ops it is made of.
public func avgPool2d(
  _ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0
) -> Tensor {
  let s = stride ?? kernelSize
  check(
    input.rank == 4 && kernelSize >= 1 && s >= 1 && padding >= 0 && padding <= kernelSize / 2,
    "avgPool2d: expected input [N, C, H, W], a positive kernel and stride and padding ≤ kernel/2, got \(input.shape), kernel \(kernelSize), stride \(s), padding \(padding)"
  )
  let x = padding > 0 ? input.pad([padding, padding, padding, padding]) : input
  let (h, w) = (x.shape[2], x.shape[3])
  check(
    h >= kernelSize && w >= kernelSize,
    "avgPool2d: kernel \(kernelSize) is larger than the padded input \(h)×\(w)")
  let (oh, ow) = ((h - kernelSize) / s + 1, (w - kernelSize) / s + 1)
  var total: Tensor?
  for di in 0..<kernelSize {
    for dj in 0..<kernelSize {
      let window = x.slice(dim: 2, start: di, end: di + (oh - 1) * s + 1, step: s)
        .slice(dim: 3, start: dj, end: dj + (ow - 1) * s + 1, step: s)
      total = total.map { $0 + window } ?? window
    }
  }
  return total! / Double(kernelSize * kernelSize)
}

/// Average pooling to an `outputSize` (height, width), like
/// `torch.nn.functional.adaptive_avg_pool2d`: output cell `i` averages input rows
/// `⌊i·H/oh⌋ ..< ⌈(i + 1)·H/oh⌉` (and likewise for columns).
public func adaptiveAvgPool2d(_ input: Tensor, outputSize: (Int, Int)) -> Tensor {
  check(
    input.rank == 4 && outputSize.0 > 0 && outputSize.1 > 0,
    "adaptiveAvgPool2d: expected input [N, C, H, W] and a positive output size, got \(input.shape) and \(outputSize)"
  )
  let (h, w) = (input.shape[2], input.shape[3])
  let (oh, ow) = outputSize
  func bins(_ n: Int, _ out: Int) -> [(Int, Int)] {
    (0..<out).map { i in (i * n / out, ((i + 1) * n + out - 1) / out) }
  }
  let rows = bins(h, oh).map { start, end in
    input.slice(dim: 2, start: start, end: end).mean(dim: 2, keepDim: true)
  }
  let tall = Tensor.cat(rows, dim: 2)
  let cells = bins(w, ow).map { start, end in
    tall.slice(dim: 3, start: start, end: end).mean(dim: 3, keepDim: true)
  }
  return Tensor.cat(cells, dim: 3)
}

/// Average pooling, like `torch.nn.AvgPool2d`; see ``avgPool2d(_:kernelSize:stride:padding:)``.
public final class AvgPool2d: Module, @unchecked Sendable {
  /// The window size.
  public let kernelSize: Int
  /// The step between windows.
  public let stride: Int
  /// The zero padding on each side.
  public let padding: Int

  /// Creates the layer; the stride defaults to the kernel size.
  public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
    (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
    super.init()
  }

  /// Pools `input` [N, C, H, W].
  public override func forward(_ input: Tensor) -> Tensor {
    avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding)
  }
}

/// Adaptive average pooling to a fixed output size, like `torch.nn.AdaptiveAvgPool2d`.
public final class AdaptiveAvgPool2d: Module, @unchecked Sendable {
  /// The output height and width.
  public let outputSize: (Int, Int)

  /// Creates the layer for an `outputSize` (height, width).
  public init(_ outputSize: (Int, Int)) {
    self.outputSize = outputSize
    super.init()
  }

  /// Creates the layer for a square `outputSize`.
  public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

  /// Pools `input` [N, C, H, W] to [N, C, outputSize.0, outputSize.1].
  public override func forward(_ input: Tensor) -> Tensor {
    adaptiveAvgPool2d(input, outputSize: outputSize)
  }
}

/// Group normalization, like `torch.nn.GroupNorm`: the channels of [N, C, *] inputs are split
/// into `numGroups` groups, each normalised by its own mean and biased variance over its
/// channels and positions, then scaled and shifted per channel (`weight` ones, `bias` zeros).
public final class GroupNorm: Module, @unchecked Sendable {
  /// The scale per channel, [C], when `affine`.
  public let weight: Tensor?
  /// The shift per channel, [C], when `affine`.
  public let bias: Tensor?
  /// The number of groups.
  public let numGroups: Int
  /// The number of channels.
  public let numChannels: Int
  /// Added to the variance before the square root.
  public let eps: Double

  /// Creates the layer with PyTorch's defaults.
  public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true) {
    check(
      numGroups > 0 && numChannels % numGroups == 0,
      "GroupNorm: \(numChannels) channels cannot be split into \(numGroups) groups")
    (self.numGroups, self.numChannels, self.eps) = (numGroups, numChannels, eps)
    weight = affine ? Tensor.ones([numChannels]).requiringGrad() : nil
    bias = affine ? Tensor.zeros([numChannels]).requiringGrad() : nil
    super.init()
  }

  /// Normalises `input` [N, C, *].
  public override func forward(_ input: Tensor) -> Tensor {
    check(
      input.rank >= 2 && input.shape[1] == numChannels,
      "GroupNorm: expected input [N, \(numChannels), *], got \(input.shape)")
    let grouped = input.reshape([input.shape[0], numGroups, -1])
    let mean = grouped.mean(dims: [2], keepDim: true)
    let variance = grouped.variance(dims: [2], correction: 0, keepDim: true)
    var y = ((grouped - mean) / (variance + eps).sqrt()).reshape(input.shape)
    if let weight, let bias {
      let shape = [1, numChannels] + [Int](repeating: 1, count: input.rank - 2)
      y = y * weight.reshape(shape) + bias.reshape(shape)
    }
    return y
  }
}
