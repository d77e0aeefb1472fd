// Shared plumbing for ops: elementwise application to whole tensors, broadcasting, axes.

import AutogradKernels

extension Tensor {
  /// Stops with a message naming `op` unless the tensor holds floating-point values.
  @inline(__always)
  func requireFloat(_ op: OpKind) {
    check(
      dtype.isFloatingPoint,
      "\(op): expected a floating-point tensor, got \(dtype) of shape \(shape)")
  }

  /// `f` applied to every element (same shape and type), without recording.
  func map<F: UnaryScalarFunction>(_ f: F, _ op: OpKind) -> Tensor {
    requireFloat(op)
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.map(f, storage.pointer(T.self), out.storage.pointer(T.self), count: count)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// The elementwise op `op`: `f` applied to every element, recorded with the derivative rule
  /// `derivative` (the gradient of the one input). The template of every unary elementwise op.
  func unary<F: UnaryScalarFunction>(
    _ f: F, _ op: OpKind, savingOutput: Bool = false,
    _ derivative: @escaping (GradientContext) -> Tensor
  ) -> Tensor {
    Tensor.record(op, inputs: [self], output: map(f, op), savingOutput: savingOutput) {
      [derivative($0)]
    }
  }

  /// `f(self[i], other[i])` for two tensors of one shape and type, without recording.
  func zipMap<F: BinaryScalarFunction>(_ other: Tensor, _ f: F) -> Tensor {
    check(
      shape == other.shape && dtype == other.dtype && dtype.isFloatingPoint,
      "zipMap: shapes \(shape) and \(other.shape) (\(dtype), \(other.dtype)) differ")
    let out = Tensor(uninitializedShape: shape, dtype: dtype)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.zip(
        f, storage.pointer(T.self), other.storage.pointer(T.self), out.storage.pointer(T.self),
        count: count)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// Adds `other` (of the same shape and type) into this tensor's storage, unrecorded: the
  /// backward pass's accumulation into a buffer it owns (the same values as `self + other`).
  func addInPlace(_ other: Tensor) {
    check(
      shape == other.shape && dtype == other.dtype && dtype.isFloatingPoint,
      "addInPlace: shapes \(shape) and \(other.shape) (\(dtype), \(other.dtype)) differ")
    func run<T: TensorScalar>(_: T.Type) {
      let target = storage.pointer(T.self)
      Kernels.zip(
        AddF(), UnsafePointer(target), other.storage.pointer(T.self), target, count: count)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
  }

  /// The shape that `a` and `b` broadcast to under NumPy/PyTorch rules, or a stop naming `op`.
  static func broadcastShape(_ a: [Int], _ b: [Int], _ op: OpKind) -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      check(
        da == db || da == 1 || db == 1,
        "\(op): shapes \(a) and \(b) cannot be broadcast together (axis \(i): \(da) vs \(db))")
      result[i] = da == 1 ? db : da
    }
    return result
  }

  /// Element strides for reading a tensor of `shape` as if broadcast to `target` (0 on broadcast
  /// axes).
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = strides(of: shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { i in
      i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
    }
  }

  /// `f(self, other)` with broadcasting, without recording; both tensors must have the same
  /// floating type.
  func broadcasting<F: BinaryScalarFunction>(_ other: Tensor, _ f: F, _ op: OpKind) -> Tensor {
    requireFloat(op)
    check(
      dtype == other.dtype,
      "\(op): element types differ (\(dtype) and \(other.dtype)); convert one with to(_:)")
    if shape == other.shape { return zipMap(other, f) }
    let outShape = Tensor.broadcastShape(shape, other.shape, op)
    let out = Tensor(uninitializedShape: outShape, dtype: dtype)
    let sa = Tensor.broadcastStrides(shape, to: outShape)
    let sb = Tensor.broadcastStrides(other.shape, to: outShape)
    func run<T: TensorScalar>(_: T.Type) {
      Kernels.broadcast(
        f, storage.pointer(T.self), aStrides: sa, other.storage.pointer(T.self), bStrides: sb,
        out.storage.pointer(T.self), shape: outShape)
    }
    if dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
  }

  /// Normalises a possibly negative axis, stopping with a message naming `op` when out of range.
  func axis(_ axis: Int, _ op: OpKind, rank: Int? = nil) -> Int {
    let r = rank ?? self.rank
    check(
      axis >= -r && axis < Swift.max(r, 1),
      "\(op): dimension \(axis) out of range for a tensor of shape \(shape)")
    return axis < 0 ? axis + r : axis
  }

  /// The tensor viewed as [outer, n, inner] around `axis`.
  func split(around axis: Int) -> (outer: Int, n: Int, inner: Int) {
    (
      shape[..<axis].reduce(1, *), shape.isEmpty ? 1 : shape[axis],
      shape.isEmpty ? 1 : shape[(axis + 1)...].reduce(1, *)
    )
  }
}
