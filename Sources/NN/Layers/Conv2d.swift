/// A 2-D convolution layer, like `torch.nn.Conv2d` (square kernel, stride and padding).
public final class Conv2d: Module {
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
