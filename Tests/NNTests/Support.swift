import Foundation
import NN
import Testing

/// The directory of committed test fixtures.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Fixtures")

/// The MNIST example CNN of the original experiment, named as in PyTorch.
final class MNISTNet: Module, @unchecked Sendable {
  let conv1 = Conv2d(1, 32, kernelSize: 3, stride: 1)
  let conv2 = Conv2d(32, 64, kernelSize: 3, stride: 1)
  let dropout1 = Dropout(0.25)
  let dropout2 = Dropout(0.5)
  let fc1 = Linear(9216, 128)
  let fc2 = Linear(128, 10)

  override func forward(_ input: Tensor) -> Tensor {
    var x = conv1(input).relu()
    x = conv2(x).relu()
    x = maxPool2d(x, kernelSize: 2)
    x = dropout1(x).flatten(startDim: 1)
    x = dropout2(fc1(x).relu())
    return fc2(x)
  }
}

/// The MLP 784-128-10 as a Sequential (parameters `1.weight`, `3.weight`, …).
func makeMLP() -> Sequential {
  Sequential {
    Flatten()
    Linear(784, 128)
    ReLU()
    Linear(128, 10)
  }
}

/// ‖a − b‖₂ / ‖b‖₂: the norm-wise relative difference of a tensor from its reference.
func normRelativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
  let x = a.doubleScalars
  let y = b.doubleScalars
  let diff = zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
  let scale = y.map { $0 * $0 }.reduce(0, +).squareRoot()
  return scale == 0 ? diff : diff / scale
}

/// max |a − b| / max |b|: the relative difference of a tensor from its reference.
func relativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
  let x = a.doubleScalars
  let y = b.doubleScalars
  precondition(x.count == y.count && a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
  let diff = zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
  let scale = y.map { Swift.abs($0) }.max() ?? 0
  return scale == 0 ? diff : diff / scale
}

/// The REINFORCE loss of the original script: mean(−log π(a|x)·r) with π = softmax(logits).
func reinforceLoss(logits: Tensor, actions: Tensor, rewards: Tensor) -> Tensor {
  let m = Categorical(probs: logits.softmax(dim: 1))
  return (-m.logProb(actions) * rewards).mean()
}

/// Reads a committed safetensors fixture, `Fixtures/<name>.safetensors`.
func loadFixture(_ name: String) -> [String: Tensor] {
  try! Safetensors.read(from: fixturesDirectory.appendingPathComponent("\(name).safetensors")).tensors
}

/// Expects `actual` (zeros when `nil`: an unused input's gradient) to have the shape of
/// `fixture[key]` and to match it within `tolerance`, relative to max(1, |expected|).
func expectFixtureMatch(
  _ actual: Tensor?, _ fixture: [String: Tensor], _ key: String, tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard let expected = fixture[key] else {
    Issue.record("no fixture key \(key)", sourceLocation: sourceLocation)
    return
  }
  let value = actual ?? Tensor.zeros(like: expected)
  #expect(value.shape == expected.shape, "\(key): shape \(value.shape)", sourceLocation: sourceLocation)
  let worst = zip(value.doubleScalars, expected.doubleScalars).map {
    Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1))
  }.max() ?? 0
  #expect(worst <= tolerance, "\(key): worst relative difference \(worst)", sourceLocation: sourceLocation)
}
