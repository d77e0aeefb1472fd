/// A 2-D convolution layer, like `torch.nn.Conv2d` (square kernel, stride and padding).
public final class Conv2d: Module, @unchecked Sendable {
  /// The weight, [outChannels, inChannels, kernelSize, kernelSize].
  public var weight: Tensor
  /// The bias, [outChannels], or `nil`.
  public var bias: Tensor?
  /// The step between windows.
  public let stride: Int
  /// Zero padding on each side.
  public let padding: Int

  /// Creates the layer with PyTorch's default initialisation, drawn from `generator`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    bias: Bool = true, generator: Generator = .default
  ) {
    let fanIn = inChannels * kernelSize * kernelSize
    weight = kaimingUniform(
      [outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: generator
    ).requiringGrad()
    self.bias =
      bias ? kaimingUniform([outChannels], fanIn: fanIn, generator: generator).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
    super.init()
  }

  /// The convolution of `input` [N, inChannels, H, W].
  public override func forward(_ input: Tensor) -> Tensor {
    conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding)
  }
}

/// A 1-D convolution layer, like `torch.nn.Conv1d`: input [N, inChannels, L] →
/// [N, outChannels, (L + 2·padding − kernelSize) / stride + 1].
public final class Conv1d: Module, @unchecked Sendable {
  /// The weight, [outChannels, inChannels, kernelSize].
  public var weight: Tensor
  /// The bias, [outChannels], or `nil`.
  public var bias: Tensor?
  /// The step between windows.
  public let stride: Int
  /// Zero padding on each side.
  public let padding: Int

  /// Creates the layer with PyTorch's default initialisation, drawn from `generator`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    bias: Bool = true, generator: Generator = .default
  ) {
    let fanIn = inChannels * kernelSize
    weight = kaimingUniform(
      [outChannels, inChannels, kernelSize], fanIn: fanIn, generator: generator
    )
    .requiringGrad()
    self.bias =
      bias ? kaimingUniform([outChannels], fanIn: fanIn, generator: generator).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
    super.init()
  }

  /// The convolution of `input` [N, inChannels, L].
  public override func forward(_ input: Tensor) -> Tensor {
    conv1d(input, weight: weight, bias: bias, stride: stride, padding: padding)
  }
}

/// A transposed 2-D convolution layer (a "deconvolution"), like `torch.nn.ConvTranspose2d`:
/// input [N, inChannels, H, W] → [N, outChannels, Hout, Wout] with
/// `Hout = (H − 1)·stride − 2·padding + kernelSize + outputPadding`.
public final class ConvTranspose2d: Module, @unchecked Sendable {
  /// The weight, [inChannels, outChannels, kernelSize, kernelSize] (PyTorch's layout).
  public var weight: Tensor
  /// The bias, [outChannels], or `nil`.
  public var bias: Tensor?
  /// The step between windows of the convolution this one transposes.
  public let stride: Int
  /// The padding of the convolution this one transposes (removed from the output).
  public let padding: Int
  /// Extra rows and columns added to one side of the output, below `stride`.
  public let outputPadding: Int

  /// Creates the layer with PyTorch's default initialisation (fan-in `outChannels·k²`, as
  /// PyTorch computes it from the weight's second axis), drawn from `generator`.
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    outputPadding: Int = 0, bias: Bool = true, generator: Generator = .default
  ) {
    let fanIn = outChannels * kernelSize * kernelSize
    weight = kaimingUniform(
      [inChannels, outChannels, kernelSize, kernelSize], fanIn: fanIn, generator: generator
    ).requiringGrad()
    self.bias =
      bias ? kaimingUniform([outChannels], fanIn: fanIn, generator: generator).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
    self.outputPadding = outputPadding
    super.init()
  }

  /// The transposed convolution of `input` [N, inChannels, H, W].
  public override func forward(_ input: Tensor) -> Tensor {
    convTranspose2d(
      input, weight: weight, bias: bias, stride: stride, padding: padding,
      outputPadding: outputPadding)
  }
}
