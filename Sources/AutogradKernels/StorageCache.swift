// A caching allocator for large buffers, like PyTorch's CUDA caching allocator: a freed buffer
// is kept and handed to the next request of the same byte size, so that a training step, which
// allocates the same sizes in the same order every time, gets its buffers from the cache instead
// of from malloc (and, for large buffers, fresh zeroed pages from the kernel, one page fault per
// 4 KiB). It serves tensor storage and the kernels' scratch space (im2col columns, partial sums,
// GEMM packing buffers); it knows nothing of tensors.

import Foundation
import Synchronization

/// The cache's state: free buffers in the order they were freed, and counters.
private struct StorageCacheState: @unchecked Sendable {
  // Sendable audit: the pointers are free buffers that nothing else references; they are only
  // touched under the mutex.
  var free: [(byteCount: Int, pointer: UnsafeMutableRawPointer)] = []
  var cachedBytes = 0
  var limit = StorageCache.defaultLimit
  var statistics = CacheStatistics()
}

/// Counters of the buffer cache behind tensor storage and kernel scratch space; see
/// `memoryStatistics()` in Autograd.
public struct CacheStatistics: Sendable, Equatable {
  /// Buffers of at least the cache's minimum size that were requested.
  public var cacheableRequests = 0
  /// Of those, the requests served from the cache.
  public var cacheHits = 0
  /// Bytes held in free cached buffers now.
  public var cachedBytes = 0

  /// Requests that had to allocate a new buffer.
  public var cacheMisses: Int { cacheableRequests - cacheHits }
}

/// The process-wide cache of free buffers (tensor storage and kernel scratch).
public enum StorageCache {
  /// Buffers smaller than this come from malloc directly (cheap, and kept by malloc anyway).
  public static let minimumBytes = 32 * 1024

  /// Bytes of free buffers kept at most: `AUTOGRAD_CACHE_MB` (0 turns the cache off), else
  /// 256 MiB. Oldest free buffers are released first when a new one would exceed it.
  /// A value that does not parse is ignored with a warning on standard error.
  public static let defaultLimit =
    Kernels.environmentSetting(
      "AUTOGRAD_CACHE_MB", expected: "a non-negative whole number of mebibytes", parseLimit)
    ?? 256 << 20

  /// The limit in bytes for a value of `AUTOGRAD_CACHE_MB`: a non-negative whole number of
  /// mebibytes; anything else (unset, negative, not a number) gives the default, 256 MiB.
  public static func limit(fromEnvironment text: String?) -> Int {
    text.flatMap { parseLimit($0.trimmingCharacters(in: .whitespaces)) } ?? 256 << 20
  }

  /// Bytes for a whole number of mebibytes (`nil` if negative, too large or not a number).
  private static func parseLimit(_ text: String) -> Int? {
    guard let megabytes = Int(text), megabytes >= 0, megabytes <= Int.max >> 20 else {
      return nil
    }
    return megabytes << 20
  }

  private static let state = Mutex(StorageCacheState())

  /// A 64-byte aligned buffer of `byteCount` bytes: a cached one of exactly that size (the most
  /// recently freed) or a new one.
  public static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
    guard byteCount >= minimumBytes else { return allocateSmall(byteCount: byteCount) }
    let cached = state.withLock { state -> UnsafeMutableRawPointer? in
      state.statistics.cacheableRequests += 1
      guard let index = state.free.lastIndex(where: { $0.byteCount == byteCount }) else {
        return nil
      }
      state.statistics.cacheHits += 1
      state.cachedBytes -= byteCount
      return state.free.remove(at: index).pointer
    }
    return cached ?? UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
  }

  /// A 64-byte aligned buffer of `byteCount` bytes (below ``minimumBytes``) carved out of a
  /// plain `malloc` block 64 bytes longer, with the block's address stored in the 8 bytes just
  /// before the buffer (there are always at least 16).
  ///
  /// glibc's aligned allocation splits a larger chunk and frees the pieces on every call, and its
  /// free lists then need consolidating: for a tensor of a few elements that cost more than the
  /// op itself. Plain `malloc` of a recurring size is a thread-cache hit.
  private static func allocateSmall(byteCount: Int) -> UnsafeMutableRawPointer {
    guard let block = malloc(byteCount + 64) else {
      fatalError("StorageCache: out of memory allocating \(byteCount + 64) bytes")
    }
    // malloc's blocks are 16-byte aligned, so the next 64-byte boundary is 16 to 64 bytes on.
    let aligned = block + (64 - Int(bitPattern: block) & 63)
    aligned.storeBytes(of: block, toByteOffset: -8, as: UnsafeMutableRawPointer.self)
    return aligned
  }

  /// Frees a buffer from ``allocateSmall(byteCount:)``.
  private static func releaseSmall(_ pointer: UnsafeMutableRawPointer) {
    free(pointer.load(fromByteOffset: -8, as: UnsafeMutableRawPointer.self))
  }

  /// Returns a buffer from ``allocate(byteCount:)``: keeps it if it is large enough and fits
  /// under the limit (releasing the oldest free buffers to make room), else frees it.
  public static func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
    guard byteCount >= minimumBytes else {
      releaseSmall(pointer)
      return
    }
    var evicted: [UnsafeMutableRawPointer] = []
    state.withLock { state in
      guard byteCount <= state.limit else {
        evicted.append(pointer)
        return
      }
      state.free.append((byteCount, pointer))
      state.cachedBytes += byteCount
      var drop = 0
      while state.cachedBytes > state.limit {
        state.cachedBytes -= state.free[drop].byteCount
        evicted.append(state.free[drop].pointer)
        drop += 1
      }
      state.free.removeFirst(drop)
    }
    for buffer in evicted { buffer.deallocate() }
  }

  /// Sets the limit on cached bytes, releasing free buffers above it.
  public static func setLimit(_ bytes: Int) {
    let evicted = state.withLock { state -> [UnsafeMutableRawPointer] in
      state.limit = bytes
      var evicted: [UnsafeMutableRawPointer] = []
      while state.cachedBytes > bytes, !state.free.isEmpty {
        let oldest = state.free.removeFirst()
        state.cachedBytes -= oldest.byteCount
        evicted.append(oldest.pointer)
      }
      return evicted
    }
    for buffer in evicted { buffer.deallocate() }
  }

  /// The counters, with the current number of cached bytes.
  public static var statistics: CacheStatistics {
    state.withLock { state in
      var statistics = state.statistics
      statistics.cachedBytes = state.cachedBytes
      return statistics
    }
  }
}

extension Kernels {
  /// Calls `body` with an uninitialised, 64-byte aligned buffer of `count` elements from the
  /// buffer cache, and returns the buffer to the cache afterwards. `body` must not let the
  /// pointer escape.
  @inlinable public static func withScratch<T, Result>(
    _: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> Result
  ) rethrows -> Result {
    let byteCount = Swift.max(count, 1) * MemoryLayout<T>.stride
    let buffer = StorageCache.allocate(byteCount: byteCount)
    defer { StorageCache.release(buffer, byteCount: byteCount) }
    return try body(buffer.bindMemory(to: T.self, capacity: Swift.max(count, 1)))
  }
}
