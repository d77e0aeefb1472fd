import Autograd
import Testing

@Suite("Categorical sampling")
struct SamplingTests {
  @Test("draws follow the probabilities (chi-square over 100,000 draws)")
  func chiSquare() {
    let probabilities = [0.1, 0.2, 0.3, 0.4]
    let p = Tensor(shape: [4], scalars: probabilities)
    let draws = multinomial(p, numSamples: 100_000, generator: Generator(seed: 42)).indices
    var counts = [Double](repeating: 0, count: 4)
    for d in draws { counts[d] += 1 }
    let chi2 = zip(counts, probabilities).map { ($0 - 100_000 * $1) * ($0 - 100_000 * $1) / (100_000 * $1) }.reduce(0, +)
    // 99.9% quantile of chi-square with 3 degrees of freedom.
    #expect(chi2 < 16.27, "chi-square \(chi2), counts \(counts)")
  }

  @Test("the same seed gives the same draws; another seed gives others")
  func deterministic() {
    let p = Tensor(shape: [3, 5], scalars: [Float](repeating: 0.2, count: 15))
    let a = multinomial(p, numSamples: 50, generator: Generator(seed: 7)).indices
    let b = multinomial(p, numSamples: 50, generator: Generator(seed: 7)).indices
    let c = multinomial(p, numSamples: 50, generator: Generator(seed: 8)).indices
    #expect(a == b)
    #expect(a != c)
  }

  @Test("zero-probability categories are never drawn; rows are independent")
  func zeroProbability() {
    let p = Tensor(shape: [2, 3], scalars: [0, 1, 0, 0.5, 0, 0.5] as [Float])
    let draws = multinomial(p, numSamples: 1_000, generator: Generator(seed: 3)).indices
    #expect(draws[..<1_000].allSatisfy { $0 == 1 })
    #expect(draws[1_000...].allSatisfy { $0 == 0 || $0 == 2 })
  }

  @Test("sampling from logits matches the softmax distribution and indexes later ops")
  func logitsAndIndexing() {
    let logits = Tensor(shape: [1, 3], scalars: [0, Float(log(3.0)), -100])
    let actions = (0..<20_000).map { _ in 0 }.count
    let draws = sampleCategorical(
      logits: logits.expand([actions, 3]), generator: Generator(seed: 11))
    #expect(draws.shape == [actions])
    #expect(!draws.requiresGrad)
    let ones = draws.indices.filter { $0 == 1 }.count
    #expect(abs(Double(ones) / Double(actions) - 0.75) < 0.015)
    #expect(!draws.indices.contains(2))
    // The integer draws index a later differentiable op.
    let x = logits.expand([actions, 3]).requiringGrad()
    let picked = x.logSoftmax(dim: 1).gather(dim: 1, index: draws.reshape([actions, 1]))
    picked.sum().backward()
    #expect(x.grad?.shape == [actions, 3])
  }
}

import Foundation
