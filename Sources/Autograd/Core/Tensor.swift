import AutogradKernels

/// An n-dimensional array of numbers, row-major and contiguous, that records the ops applied to it
/// so that gradients can flow back through them — the counterpart of `torch.Tensor`.
///
/// A `Tensor` is a small value: a shape, a reference to immutable storage and, when it takes part
/// in differentiation, a reference to its node on the tape. Copying a tensor is cheap and copies
/// share storage and gradient, like Python references to one `torch.Tensor`.
///
/// ```swift
/// let w = Tensor.randn([3, 2], dtype: .float64).requiringGrad()
/// let x = Tensor(shape: [4, 3], scalars: (0..<12).map(Double.init))
/// let loss = x.matmul(w).relu().sum()
/// loss.backward()
/// print(w.grad!)   // d loss / d w, shape [3, 2]
/// ```
public struct Tensor: @unchecked Sendable {
  /// The size of each axis, outermost first.
  public let shape: [Int]
  let storage: TensorStorage
  /// The tape node: a leaf accumulator or the op that produced this tensor; `nil` when the tensor
  /// does not require a gradient.
  var node: Node?
  /// Set on gradients that backward computed without `createGraph` (and on results of ops on
  /// them), so that a `backward` on one can say why it has no graph.
  var isGradientWithoutGraph = false

  init(shape: [Int], storage: TensorStorage, node: Node? = nil) {
    self.shape = shape
    self.storage = storage
    self.node = node
  }

  /// A new tensor with uninitialised storage; the caller fills every element.
  init(uninitializedShape shape: [Int], dtype: DType) {
    self.init(shape: shape, storage: TensorStorage(dtype: dtype, count: shape.reduce(1, *)))
  }

  /// The element type.
  public var dtype: DType { storage.dtype }
  /// The number of elements.
  public var count: Int { storage.count }
  /// The number of axes.
  public var rank: Int { shape.count }

  // MARK: - Creation from values

  /// A `float32` tensor with the given shape and elements in row-major order.
  public init(shape: [Int], scalars: [Float]) {
    Tensor.checkShape(shape, count: scalars.count, "Tensor(shape:scalars:)")
    self.init(uninitializedShape: shape, dtype: .float32)
    _ = storage.buffer(Float.self).initialize(from: scalars)
  }

  /// A `float64` tensor with the given shape and elements in row-major order.
  ///
  /// Array literals pick the `float32` initializer, as PyTorch defaults to float32; write
  /// `[1, 2] as [Double]` or pass a `[Double]` value for `float64`.
  @_disfavoredOverload
  public init(shape: [Int], scalars: [Double]) {
    Tensor.checkShape(shape, count: scalars.count, "Tensor(shape:scalars:)")
    self.init(uninitializedShape: shape, dtype: .float64)
    _ = storage.buffer(Double.self).initialize(from: scalars)
  }

  /// An `int64` tensor of indices (class labels, sampled actions) with the given shape.
  public init(shape: [Int], indices: [Int]) {
    Tensor.checkShape(shape, count: indices.count, "Tensor(shape:indices:)")
    self.init(uninitializedShape: shape, dtype: .int64)
    _ = storage.buffer(Int.self).initialize(from: indices)
  }

  /// A 0-dimensional tensor holding `value`.
  public init(_ value: Double, dtype: DType = .float32) {
    self = Tensor.full([], value: value, dtype: dtype)
  }

  /// A `float32` tensor whose elements are written in place by `initializer`, which must set
  /// every element of the buffer it is given (like `Array(unsafeUninitializedCapacity:)`).
  public init(
    shape: [Int],
    unsafeUninitializedScalars initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void
  ) rethrows {
    check(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
    self.init(uninitializedShape: shape, dtype: .float32)
    try initializer(storage.buffer(Float.self))
  }

  static func checkShape(_ shape: [Int], count: Int, _ op: String) {
    check(shape.allSatisfy { $0 >= 0 }, "\(op): negative dimension in shape \(shape)")
    check(
      shape.reduce(1, *) == count,
      "\(op): shape \(shape) needs \(shape.reduce(1, *)) elements but \(count) were given")
  }

  // MARK: - Reading values

  /// The elements in row-major order, converted to `Float`.
  public var scalars: [Float] {
    switch dtype {
    case .float32: Array(storage.buffer(Float.self))
    case .float64: storage.buffer(Double.self).map { Float($0) }
    case .int64: storage.buffer(Int.self).map { Float($0) }
    }
  }

  /// The elements in row-major order, converted to `Double`.
  public var doubleScalars: [Double] {
    switch dtype {
    case .float32: storage.buffer(Float.self).map { Double($0) }
    case .float64: Array(storage.buffer(Double.self))
    case .int64: storage.buffer(Int.self).map { Double($0) }
    }
  }

  /// The elements in row-major order as integers (floating-point values are truncated).
  public var indices: [Int] {
    switch dtype {
    case .float32: storage.buffer(Float.self).map { Int($0) }
    case .float64: storage.buffer(Double.self).map { Int($0) }
    case .int64: Array(storage.buffer(Int.self))
    }
  }

  /// The value of a one-element tensor, like `torch.Tensor.item()`.
  public func item() -> Double {
    check(
      count == 1, "item: only one-element tensors can be converted, got shape \(shape)")
    return doubleScalars[0]
  }

  /// Reads the `float32` elements in place without copying.
  public func withUnsafeScalars<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    check(dtype == .float32, "withUnsafeScalars: tensor is \(dtype), not float32")
    return try body(UnsafeBufferPointer(storage.buffer(Float.self)))
  }

  /// Row-major strides (in elements) of a shape.
  static func strides(of shape: [Int]) -> [Int] { Kernels.strides(of: shape) }
}
