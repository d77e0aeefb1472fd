/// A fully connected layer `y = x·Wᵀ + b`, like `torch.nn.Linear`.
public final class Linear: Module, @unchecked Sendable {
  /// The weight, [outFeatures, inFeatures].
  public var weight: Tensor
  /// The bias, [outFeatures], or `nil`.
  public var bias: Tensor?

  /// Creates the layer with PyTorch's default initialisation, drawn from `generator`.
  public init(
    _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator = .default
  ) {
    weight = kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures, generator: generator)
      .requiringGrad()
    self.bias =
      bias
      ? kaimingUniform([outFeatures], fanIn: inFeatures, generator: generator).requiringGrad()
      : nil
    super.init()
  }

  /// `input`·Wᵀ + b for `input` [N, inFeatures].
  public override func forward(_ input: Tensor) -> Tensor {
    linear(input, weight: weight, bias: bias)
  }
}
