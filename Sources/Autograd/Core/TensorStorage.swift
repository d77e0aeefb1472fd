import AutogradKernels

/// A 64-byte aligned buffer of elements of one ``DType``.
///
/// Storage is treated as immutable once a tensor owns it: ops always write new storage. The one
/// exception is an optimizer step, which writes a parameter's own storage under `noGrad`.
final class TensorStorage: @unchecked Sendable {
  let dtype: DType
  let count: Int
  let base: UnsafeMutableRawPointer

  /// Allocates uninitialised storage for `count` elements (from `StorageCache` when large).
  init(dtype: DType, count: Int) {
    self.dtype = dtype
    self.count = count
    base = StorageCache.allocate(byteCount: Swift.max(count, 1) * dtype.byteCount)
    switch dtype {
    case .float32: base.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    case .float64: base.bindMemory(to: Double.self, capacity: Swift.max(count, 1))
    case .int64: base.bindMemory(to: Int.self, capacity: Swift.max(count, 1))
    }
  }

  deinit { StorageCache.release(base, byteCount: Swift.max(count, 1) * dtype.byteCount) }

  /// The elements as a typed pointer. `T` must match ``dtype``.
  @inline(__always)
  func pointer<T>(_: T.Type) -> UnsafeMutablePointer<T> {
    base.assumingMemoryBound(to: T.self)
  }

  /// The elements as a typed buffer. `T` must match ``dtype``.
  @inline(__always)
  func buffer<T>(_: T.Type) -> UnsafeMutableBufferPointer<T> {
    UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count)
  }
}
