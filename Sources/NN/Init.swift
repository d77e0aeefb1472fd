/// PyTorch's default initialisation of a weight with `fanIn` inputs per output:
/// kaiming-uniform with a = √5, which is U(−1/√fanIn, 1/√fanIn). Biases use the same bound.
public func kaimingUniform(
  _ shape: [Int], fanIn: Int, dtype: DType = .float32, generator: Generator = .default
) -> Tensor {
  let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
  return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
}
