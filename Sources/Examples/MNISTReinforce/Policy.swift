import NN

/// The policy of the original experiment: PyTorch's MNIST example CNN, ending in a softmax over
/// the ten digits (the actions).
public final class Policy: Module, @unchecked Sendable {
  let conv1 = Conv2d(1, 32, kernelSize: 3, stride: 1)
  let conv2 = Conv2d(32, 64, kernelSize: 3, stride: 1)
  let dropout1 = Dropout(0.25)
  let dropout2 = Dropout(0.5)
  let fc1 = Linear(9216, 128)
  let fc2 = Linear(128, 10)

  /// Creates the policy with PyTorch's default initialisation from the default generator.
  public override init() { super.init() }

  /// Action probabilities π(·|x) for images `x` [N, 1, 28, 28].
  public override func forward(_ x: Tensor) -> Tensor {
    var x = conv1(x).relu()
    x = conv2(x).relu()
    x = maxPool2d(x, kernelSize: 2)
    x = dropout1(x)
    x = x.flatten(startDim: 1)
    x = fc1(x).relu()
    x = dropout2(x)
    x = fc2(x)
    return x.softmax(dim: 1)
  }
}

/// A smaller policy, an MLP 784-128-10, for quick runs (`--model mlp`).
public final class MLPPolicy: Module, @unchecked Sendable {
  let fc1 = Linear(784, 128)
  let fc2 = Linear(128, 10)

  /// Creates the policy with PyTorch's default initialisation from the default generator.
  public override init() { super.init() }

  /// Action probabilities π(·|x) for images `x` [N, 1, 28, 28].
  public override func forward(_ x: Tensor) -> Tensor {
    fc2(fc1(x.flatten(startDim: 1)).relu()).softmax(dim: 1)
  }
}
