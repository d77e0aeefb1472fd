/// 2-D max pooling as a module, like `torch.nn.MaxPool2d`.
public final class MaxPool2d: Module, @unchecked Sendable {
  /// The window size.
  public let kernelSize: Int
  /// The step between windows (defaults to the window size).
  public let stride: Int

  /// Creates the layer.
  public init(_ kernelSize: Int, stride: Int? = nil) {
    self.kernelSize = kernelSize
    self.stride = stride ?? kernelSize
    super.init()
  }

  /// Max pooling of `input` [N, C, H, W].
  public override func forward(_ input: Tensor) -> Tensor {
    maxPool2d(input, kernelSize: kernelSize, stride: stride)
  }
}

/// Inverted dropout as a module, like `torch.nn.Dropout`: active only in training mode.
public final class Dropout: Module, @unchecked Sendable {
  /// The probability of zeroing an element.
  public let p: Double
  /// The source of the masks.
  public let generator: Generator

  /// Creates the layer.
  public init(_ p: Double = 0.5, generator: Generator = .default) {
    self.p = p
    self.generator = generator
    super.init()
  }

  /// Dropout of `input` in training mode; `input` unchanged in evaluation mode.
  public override func forward(_ input: Tensor) -> Tensor {
    dropout(input, p: p, training: isTraining, generator: generator)
  }
}

/// Flattens axes `startDim…endDim`, like `torch.nn.Flatten` (default: all but the batch axis).
public final class Flatten: Module, @unchecked Sendable {
  /// The first axis merged.
  public let startDim: Int
  /// The last axis merged.
  public let endDim: Int

  /// Creates the layer.
  public init(startDim: Int = 1, endDim: Int = -1) {
    self.startDim = startDim
    self.endDim = endDim
    super.init()
  }

  /// `input.flatten(startDim:endDim:)`.
  public override func forward(_ input: Tensor) -> Tensor {
    input.flatten(startDim: startDim, endDim: endDim)
  }
}

/// `max(x, 0)` as a module, like `torch.nn.ReLU`.
public final class ReLU: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.relu()`.
  public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// `tanh` as a module, like `torch.nn.Tanh`.
public final class Tanh: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.tanh()`.
  public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// The logistic sigmoid as a module, like `torch.nn.Sigmoid`.
public final class Sigmoid: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.sigmoid()`.
  public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// Softmax along an axis as a module, like `torch.nn.Softmax(dim)`.
public final class Softmax: Module, @unchecked Sendable {
  /// The axis normalised.
  public let dim: Int
  /// Creates the layer.
  public init(dim: Int) {
    self.dim = dim
    super.init()
  }
  /// `input.softmax(dim:)`.
  public override func forward(_ input: Tensor) -> Tensor { input.softmax(dim: dim) }
}

/// Log-softmax along an axis as a module, like `torch.nn.LogSoftmax(dim)`.
public final class LogSoftmax: Module, @unchecked Sendable {
  /// The axis normalised.
  public let dim: Int
  /// Creates the layer.
  public init(dim: Int) {
    self.dim = dim
    super.init()
  }
  /// `input.logSoftmax(dim:)`.
  public override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(dim: dim) }
}

/// The input unchanged, like `torch.nn.Identity` (a placeholder in a `Sequential`).
public final class Identity: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// Returns `input`.
  public override func forward(_ input: Tensor) -> Tensor { input }
}

/// The Gaussian error linear unit, like `torch.nn.GELU`.
public final class GELU: Module, @unchecked Sendable {
  /// The exact erf form or the tanh approximation.
  public let approximate: GELUApproximation
  /// Creates the layer.
  public init(approximate: GELUApproximation = .none) {
    self.approximate = approximate
    super.init()
  }
  /// `input.gelu(approximate:)`.
  public override func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
}

/// `x·σ(x)`, like `torch.nn.SiLU`.
public final class SiLU: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.silu()`.
  public override func forward(_ input: Tensor) -> Tensor { input.silu() }
}

/// `x` for positive inputs, `negativeSlope·x` otherwise, like `torch.nn.LeakyReLU`.
public final class LeakyReLU: Module, @unchecked Sendable {
  /// The slope for negative inputs.
  public let negativeSlope: Double
  /// Creates the layer.
  public init(negativeSlope: Double = 0.01) {
    self.negativeSlope = negativeSlope
    super.init()
  }
  /// `input.leakyRelu(negativeSlope:)`.
  public override func forward(_ input: Tensor) -> Tensor {
    input.leakyRelu(negativeSlope: negativeSlope)
  }
}

/// `x` for positive inputs, `α·(eˣ − 1)` otherwise, like `torch.nn.ELU`.
public final class ELU: Module, @unchecked Sendable {
  /// The scale of the negative part.
  public let alpha: Double
  /// Creates the layer.
  public init(alpha: Double = 1) {
    self.alpha = alpha
    super.init()
  }
  /// `input.elu(alpha:)`.
  public override func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
}

/// `x·tanh(softplus(x))`, like `torch.nn.Mish`.
public final class Mish: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.mish()`.
  public override func forward(_ input: Tensor) -> Tensor { input.mish() }
}

/// The input limited to [`min`, `max`], like `torch.nn.Hardtanh`.
public final class Hardtanh: Module, @unchecked Sendable {
  /// The lower limit.
  public let min: Double
  /// The upper limit.
  public let max: Double
  /// Creates the layer.
  public init(min: Double = -1, max: Double = 1) {
    (self.min, self.max) = (min, max)
    super.init()
  }
  /// `input.hardtanh(min:max:)`.
  public override func forward(_ input: Tensor) -> Tensor { input.hardtanh(min: min, max: max) }
}

/// `x / (1 + |x|)`, like `torch.nn.Softsign`.
public final class Softsign: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.softsign()`.
  public override func forward(_ input: Tensor) -> Tensor { input.softsign() }
}

/// `log σ(x)`, like `torch.nn.LogSigmoid`.
public final class LogSigmoid: Module, @unchecked Sendable {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.logSigmoid()`.
  public override func forward(_ input: Tensor) -> Tensor { input.logSigmoid() }
}
