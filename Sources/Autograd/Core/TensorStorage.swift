import AutogradKernels

/// A 64-byte aligned buffer of elements of one ``DType``.
///
/// Storage is treated as immutable once a tensor owns it: ops always write new storage. The
/// exceptions are an optimizer step, which writes a parameter's own storage under `noGrad`, and
/// a module's dtype conversion, which replaces a parameter's buffer (``convert(to:)``).
final class TensorStorage: @unchecked Sendable {
  private(set) var dtype: DType
  let count: Int
  private(set) var base: UnsafeMutableRawPointer

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

  /// Replaces the buffer with `converted`'s elements and type (of the same count): every tensor
  /// sharing this storage sees the new type.
  func replace(with converted: TensorStorage) {
    precondition(converted.count == count, "replace: \(converted.count) elements, not \(count)")
    let fresh = StorageCache.allocate(byteCount: Swift.max(count, 1) * converted.dtype.byteCount)
    fresh.copyMemory(from: converted.base, byteCount: count * converted.dtype.byteCount)
    switch converted.dtype {
    case .float32: fresh.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    case .float64: fresh.bindMemory(to: Double.self, capacity: Swift.max(count, 1))
    case .int64: fresh.bindMemory(to: Int.self, capacity: Swift.max(count, 1))
    }
    StorageCache.release(base, byteCount: Swift.max(count, 1) * dtype.byteCount)
    base = fresh
    dtype = converted.dtype
  }

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
