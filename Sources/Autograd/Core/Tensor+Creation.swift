import AutogradKernels
import Foundation

extension Tensor {
  /// A tensor of the given shape filled with `value`.
  public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
    check(shape.allSatisfy { $0 >= 0 }, "full: negative dimension in shape \(shape)")
    let t = Tensor(uninitializedShape: shape, dtype: dtype)
    // Large fills (a gather's zero gradient of a 10k-word decoder's logits) in chunks on the
    // kernel threads.
    func fill<T>(_: T.Type, _ element: T) {
      let base = UncheckedSendable(t.storage.pointer(T.self))
      Kernels.inChunks(t.count) { range in
        (base.value + range.lowerBound).initialize(repeating: element, count: range.count)
      }
    }
    switch dtype {
    case .float32: fill(Float.self, Float(value))
    case .float64: fill(Double.self, value)
    case .int64: fill(Int.self, Int(value))
    }
    return t
  }

  /// A tensor of zeros.
  public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    full(shape, value: 0, dtype: dtype)
  }

  /// A tensor of ones.
  public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    full(shape, value: 1, dtype: dtype)
  }

  /// Zeros with the shape and element type of `other`.
  public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }

  /// Ones with the shape and element type of `other`.
  public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

  /// The 1-D tensor `start, start + step, …` up to but excluding `end`, like `torch.arange`.
  public static func arange(
    _ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32
  ) -> Tensor {
    check(step != 0, "arange: step must be non-zero")
    let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
    let values = (0..<n).map { start + Double($0) * step }
    return Tensor(shape: [n], scalars: values).to(dtype)
  }

  /// Uniform random numbers in [`low`, `high`), like `torch.empty(shape).uniform_(low, high)`.
  public static func uniform(
    _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
    generator: Generator = .default
  ) -> Tensor {
    check(dtype.isFloatingPoint, "uniform: dtype must be floating point, got \(dtype)")
    let u = generator.uniforms(shape.reduce(1, *))
    return Tensor(shape: shape, scalars: u.map { low + (high - low) * $0 }).to(dtype)
  }

  /// Normal random numbers with the given mean and standard deviation (Box–Muller).
  public static func normal(
    _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
    generator: Generator = .default
  ) -> Tensor {
    check(dtype.isFloatingPoint, "normal: dtype must be floating point, got \(dtype)")
    let n = shape.reduce(1, *)
    let u = generator.uniforms(2 * ((n + 1) / 2))
    var values = [Double]()
    values.reserveCapacity(n)
    var i = 0
    while values.count < n {
      let r = (-2 * Foundation.log(1 - u[i])).squareRoot()
      let theta = 2 * Double.pi * u[i + 1]
      values.append(mean + std * r * Foundation.cos(theta))
      if values.count < n { values.append(mean + std * r * Foundation.sin(theta)) }
      i += 2
    }
    return Tensor(shape: shape, scalars: values).to(dtype)
  }

  /// Standard normal random numbers, like `torch.randn`.
  public static func randn(
    _ shape: [Int], dtype: DType = .float32, generator: Generator = .default
  ) -> Tensor {
    normal(shape, dtype: dtype, generator: generator)
  }

  /// Uniform random numbers in [0, 1), like `torch.rand`.
  public static func rand(
    _ shape: [Int], dtype: DType = .float32, generator: Generator = .default
  ) -> Tensor {
    uniform(shape, dtype: dtype, generator: generator)
  }

  /// Integers uniform in `low..<high` as an `int64` tensor, like `torch.randint(low, high, shape)`.
  public static func randint(
    _ low: Int, _ high: Int, _ shape: [Int], generator: Generator = .default
  ) -> Tensor {
    check(high > low, "randint: high \(high) must be greater than low \(low)")
    let u = uniform(shape, dtype: .float64, generator: generator).doubleScalars
    let span = Double(high - low)
    return Tensor(shape: shape, indices: u.map { low + Swift.min(Int($0 * span), high - low - 1) })
  }
}
