import Autograd
import Testing

/// The composition that `layerNorm` replaces: the test oracle.
private func composedLayerNorm(
  _ x: Tensor, _ weight: Tensor?, _ bias: Tensor?, axes: [Int], eps: Double
) -> Tensor {
  let mean = x.mean(dims: axes, keepDim: true)
  let variance = x.variance(dims: axes, correction: 0, keepDim: true)
  var y = (x - mean) / (variance + eps).sqrt()
  if let weight { y = y * weight }
  if let bias { y = y + bias }
  return y
}

@Suite("layerNorm")
struct LayerNormTests {
  @Test(
    "the fused op matches its composition: values and every gradient, float32 and float64",
    arguments: [DType.float32, .float64])
  func matchesComposition(_ dtype: DType) {
    let x = Tensor.uniform(
      [37, 5, 19], low: -3, high: 3, dtype: dtype, generator: Generator(seed: 1))
    let w = Tensor.uniform([5, 19], low: 0.5, high: 2, dtype: dtype, generator: Generator(seed: 2))
    let b = Tensor.uniform([5, 19], low: -1, high: 1, dtype: dtype, generator: Generator(seed: 3))
    let tolerance = dtype == .float32 ? 2e-5 : 1e-12
    func run(_ f: ([Tensor]) -> Tensor) -> [[Double]] {
      let leaves = [x, w, b].map { $0.detached().requiringGrad() }
      let y = f(leaves)
      let r = Tensor.uniform(y.shape, low: -1, high: 1, dtype: dtype, generator: Generator(seed: 4))
      (y * r).sum().backward()
      return [y.doubleScalars] + leaves.map { $0.grad!.doubleScalars }
    }
    let fused = run { layerNorm($0[0], normalizedShape: [5, 19], weight: $0[1], bias: $0[2]) }
    let composed = run { composedLayerNorm($0[0], $0[1], $0[2], axes: [1, 2], eps: 1e-5) }
    for (name, (a, c)) in zip(["y", "dx", "dw", "db"], zip(fused, composed)) {
      let worst = zip(a, c).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
      #expect(worst < tolerance, "\(name): \(worst)")
    }
  }

  @Test("the same bits for 1, 2 and 3 threads (rows split over the threads)")
  func sameBitsForAnyThreadCount() {
    let inputs = [
      Tensor.uniform([700, 200], low: -2, high: 2, generator: Generator(seed: 5)),
      Tensor.uniform([200], low: 0.5, high: 2, generator: Generator(seed: 6)),
      Tensor.uniform([200], low: -1, high: 1, generator: Generator(seed: 7)),
    ]
    expectSameBitsForAnyThreadCount(inputs) {
      layerNorm($0[0], normalizedShape: [200], weight: $0[1], bias: $0[2])
    }
  }

  @Test("a second derivative through createGraph matches the composition's")
  func secondDerivative() {
    let x = Tensor.uniform(
      [3, 7], low: -2, high: 2, dtype: .float64, generator: Generator(seed: 8)
    )
    .requiringGrad()
    let w = Tensor.uniform([7], low: 0.5, high: 2, dtype: .float64, generator: Generator(seed: 9))
    func curvature(_ f: (Tensor) -> Tensor) -> [Double] {
      let y = f(x)
      let g = grad([(y * y * y).sum()], [x], createGraph: true)[0]!
      return grad([(g * g).sum()], [x])[0]!.doubleScalars
    }
    let fused = curvature { layerNorm($0, normalizedShape: [7], weight: w) }
    let composed = curvature { composedLayerNorm($0, w, nil, axes: [1], eps: 1e-5) }
    for (a, c) in zip(fused, composed) { #expect(abs(a - c) <= 1e-9 * max(1, abs(c))) }
  }
}
