/// 2-D max pooling as a module, like `torch.nn.MaxPool2d`.
public final class MaxPool2d: Module {
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
public final class Dropout: Module {
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
public final class Flatten: Module {
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
public final class ReLU: Module {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.relu()`.
  public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// `tanh` as a module, like `torch.nn.Tanh`.
public final class Tanh: Module {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.tanh()`.
  public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// The logistic sigmoid as a module, like `torch.nn.Sigmoid`.
public final class Sigmoid: Module {
  /// Creates the layer.
  public override init() { super.init() }
  /// `input.sigmoid()`.
  public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// Softmax along an axis as a module, like `torch.nn.Softmax(dim)`.
public final class Softmax: Module {
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
public final class LogSoftmax: Module {
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
