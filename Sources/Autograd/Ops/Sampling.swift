import AutogradKernels

// Categorical sampling: integer draws that are recorded as non-differentiable.

/// Draws `numSamples` category indices (with replacement) per row of `probabilities`
/// ([K] or [N, K], non-negative, not necessarily normalised), like `torch.multinomial`.
///
/// Uses inverse-CDF sampling with one uniform draw per sample from `generator`. The result is
/// `int64` ([numSamples] or [N, numSamples]), carries no gradient, and can index later ops
/// (``Tensor/gather(dim:index:)``). Categories with probability 0 are never drawn.
public func multinomial(
  _ probabilities: Tensor, numSamples: Int = 1, generator: Generator = .default
) -> Tensor {
  probabilities.requireFloat(.multinomial)
  check(
    (1...2).contains(probabilities.rank),
    "multinomial: probabilities must be 1-D or 2-D, got shape \(probabilities.shape)")
  check(numSamples >= 1, "multinomial: numSamples must be positive, got \(numSamples)")
  let rows = probabilities.rank == 2 ? probabilities.shape[0] : 1
  let k = probabilities.shape[probabilities.rank - 1]
  let p = probabilities.doubleScalars
  let u = generator.uniforms(rows * numSamples)
  var result = [Int]()
  result.reserveCapacity(rows * numSamples)
  for r in 0..<rows {
    let row = p[(r * k)..<((r + 1) * k)]
    var total = 0.0
    for v in row {
      check(
        v >= 0 && v.isFinite, "multinomial: probabilities must be finite and non-negative, got \(v)"
      )
      total += v
    }
    check(total > 0, "multinomial: row \(r) of shape \(probabilities.shape) sums to 0")
    for s in 0..<numSamples {
      let target = u[r * numSamples + s] * total
      var cumulative = 0.0
      var chosen = -1
      var lastPositive = 0
      for (j, v) in row.enumerated() {
        if v > 0 { lastPositive = j }
        cumulative += v
        if cumulative > target && v > 0 {
          chosen = j
          break
        }
      }
      result.append(chosen >= 0 ? chosen : lastPositive)
    }
  }
  return Tensor(
    shape: probabilities.rank == 2 ? [rows, numSamples] : [numSamples], indices: result)
}

/// One category index per row of `probabilities` [N, K] (or a single index for [K]).
public func sampleCategorical(probabilities: Tensor, generator: Generator = .default) -> Tensor {
  let draws = multinomial(probabilities, numSamples: 1, generator: generator)
  return probabilities.rank == 2 ? draws.reshape([draws.shape[0]]) : draws.reshape([])
}

/// One category index per row of unnormalised `logits` [N, K], drawn from `softmax(logits)`.
public func sampleCategorical(logits: Tensor, generator: Generator = .default) -> Tensor {
  let probabilities = noGrad { logits.softmax(dim: -1) }
  return sampleCategorical(probabilities: probabilities, generator: generator)
}
