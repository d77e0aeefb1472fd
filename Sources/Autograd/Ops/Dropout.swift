import AutogradKernels

// Inverted dropout.

/// Zeroes each element with probability `p` and scales the rest by `1 / (1 − p)` when
/// `training`; returns `input` unchanged otherwise, like `torch.nn.functional.dropout`.
/// The mask is drawn from `generator`, so a seed fixes it.
public func dropout(
  _ input: Tensor, p: Double, training: Bool = true, generator: Generator = .default
) -> Tensor {
  input.requireFloat(.dropout)
  check((0...1).contains(p), "dropout: probability has to be between 0 and 1, but got \(p)")
  guard training && p > 0 else { return input }
  let mask = dropoutMask(input.shape, input.dtype, p: p, generator: generator)
  let y = input.zipMap(mask, MulF())
  return Tensor.record(.dropout, inputs: [input], output: y) { ctx in [ctx.gradOutput * mask] }
}

/// An inverted-dropout mask of `shape`: each element 1/(1 − p) with probability 1 − p, else 0
/// (all 0 when p is 1), one uniform draw from `generator` per element in row-major order.
func dropoutMask(_ shape: [Int], _ dtype: DType, p: Double, generator: Generator) -> Tensor {
  let keep = 1 - p
  let scale = p == 1 ? 0 : 1 / keep
  let mask = Tensor(uninitializedShape: shape, dtype: dtype)
  if dtype == .float32 {
    let kept = Float(scale)
    generator.fillUniform(mask.storage.buffer(Float.self)) { $0 < keep ? kept : 0 }
  } else {
    generator.fillUniform(mask.storage.buffer(Double.self)) { $0 < keep ? scale : 0 }
  }
  return mask
}
