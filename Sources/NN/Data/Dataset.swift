import Autograd

/// A collection of labelled examples that ``DataLoader`` can batch, like `torch.utils.data.Dataset`.
public protocol Dataset {
  /// The number of examples.
  var count: Int { get }

  /// Gathers the examples at `indices` (each in `0..<count`) into one batch: inputs with the
  /// batch as their first axis, and one target per example.
  func batch(_ indices: ArraySlice<Int>) -> (inputs: Tensor, targets: Tensor)
}
