import AutogradKernels

// In-place writes, reserved for optimizers and checkpoint loading.

extension Tensor {
  /// Overwrites this tensor's elements with those of `source` (same shape; converted to this
  /// tensor's type), in place, like `param.data.copy_(source)`.
  ///
  /// Every copy of this tensor sees the new values. Use it under ``noGrad(_:)`` on leaves only:
  /// a graph that saved the old values would compute wrong gradients.
  public func assign(_ source: Tensor) {
    check(
      source.shape == shape,
      "assign: source of shape \(source.shape) does not match destination of shape \(shape)")
    let converted = source.to(dtype)
    storage.base.copyMemory(from: converted.storage.base, byteCount: count * dtype.byteCount)
  }

  /// Gives `body` mutable access to this tensor's elements as `T` (which must match
  /// ``dtype``), in place. For optimizer kernels; the caveats of ``assign(_:)`` apply.
  public func withUnsafeMutableBuffer<T: TensorScalar, R>(
    as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
  ) rethrows -> R {
    check(T.dtype == dtype, "withUnsafeMutableBuffer: tensor is \(dtype), not \(T.dtype)")
    return try body(storage.buffer(T.self))
  }

  /// Gives `body` read access to this tensor's elements as `T` (which must match ``dtype``).
  public func withUnsafeBuffer<T: TensorScalar, R>(
    as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) rethrows -> R {
    check(T.dtype == dtype, "withUnsafeBuffer: tensor is \(dtype), not \(T.dtype)")
    return try body(UnsafeBufferPointer(storage.buffer(T.self)))
  }

  /// Raw little-endian bytes of the elements (for checkpoints).
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: storage.base, count: count * dtype.byteCount))
  }

  /// A tensor of `dtype` and `shape` whose bytes are copied from `bytes` (little-endian, as
  /// stored in memory on every platform Swift runs on).
  public init(shape: [Int], dtype: DType, bytes: UnsafeRawBufferPointer) {
    let n = shape.reduce(1, *)
    check(
      bytes.count == n * dtype.byteCount,
      "Tensor(shape:dtype:bytes:): \(bytes.count) bytes do not hold \(shape) of \(dtype)")
    self.init(uninitializedShape: shape, dtype: dtype)
    if n > 0 { storage.base.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
  }
}

extension Tensor {
  /// Whether this tensor and `other` are views of the same storage (the same parameter seen
  /// twice), like comparing PyTorch's `data_ptr()`.
  public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

  /// Whether this tensor and `other` are copies of one tensor, like Python's `is` on two
  /// `torch.Tensor`s: the same storage, shape and place on the tape (both untracked, or the
  /// same node). A view such as `x.reshape(x.shape)` is not identical to `x`.
  public func isIdentical(to other: Tensor) -> Bool {
    storage === other.storage && shape == other.shape && node === other.node
      && isGradientWithoutGraph == other.isGradientWithoutGraph
  }
}

extension Tensor {
  /// Converts this leaf's elements to `dtype` in place, for every copy of it (a module's
  /// parameter, an optimizer's reference), like `param.data = param.data.to(dtype)`; its
  /// gradient, if any, is converted too. For a module's dtype conversion (`Module.to(_:)`); a
  /// graph that saved this tensor must not be differentiated afterwards.
  public func convertInPlace(to dtype: DType) {
    check(
      isLeaf,
      "convertInPlace: tensor of shape \(shape) is the result of \(gradFunction.map { "\($0)" } ?? "an op"), not a leaf"
    )
    guard dtype != self.dtype else { return }
    let converted = detached().to(dtype)
    storage.replace(with: converted.storage)
    if let node {
      node.dtype = dtype
      node.grad = node.grad?.to(dtype)
    }
  }
}
