/// PyTorch's default initialisation of a weight with `fanIn` inputs per output:
/// kaiming-uniform with a = √5, which is U(−1/√fanIn, 1/√fanIn). Biases use the same bound.
public func kaimingUniform(
  _ shape: [Int], fanIn: Int, dtype: DType = .float32, generator: Generator = .default
) -> Tensor {
  let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
  return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
}

/// Glorot/Xavier uniform initialisation, like `torch.nn.init.xavier_uniform_`:
/// U(−a, a) with a = gain·√(6 / (fanIn + fanOut)), where for a weight [out, in, k…] fanIn is
/// in·k… and fanOut is out·k….
public func xavierUniform(
  _ shape: [Int], gain: Double = 1, dtype: DType = .float32, generator: Generator = .default
) -> Tensor {
  check(shape.count >= 2, "xavierUniform: needs a shape with at least 2 axes, got \(shape)")
  let receptive = shape.dropFirst(2).reduce(1, *)
  let (fanIn, fanOut) = (shape[1] * receptive, shape[0] * receptive)
  let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
  return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
}
