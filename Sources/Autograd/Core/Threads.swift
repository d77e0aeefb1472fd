import AutogradKernels

/// Sets the number of threads that the CPU kernels (such as matrix products) may use.
///
/// Mirrors `torch.set_num_threads`. Every op gives bit-identical results for every thread count:
/// threads split the output, never a sum.
///
/// - Parameter count: The maximum number of threads; must be at least 1.
public func setNumThreads(_ count: Int) {
  check(count >= 1, "setNumThreads: count must be at least 1, got \(count)")
  Kernels.setThreadCount(count)
}

/// Returns the number of threads that the CPU kernels may use.
///
/// Mirrors `torch.get_num_threads`. Defaults to the environment variable `AUTOGRAD_NUM_THREADS`
/// when it holds a positive integer, otherwise to the number of active processor cores.
public func numThreads() -> Int { Kernels.threadCount() }

/// Runs `body` over `0..<count` split into fixed chunks of 32,768 indices, on the kernel threads
/// when there are at least two chunks, and returns when every chunk has run.
///
/// For elementwise loops of your own (an optimizer, a custom function's kernel): the split
/// depends only on `count`, so a loop whose chunks write disjoint elements gives the same bits
/// for every thread count. `body` may run concurrently for different chunks.
public func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
  Kernels.inChunks(count, body)
}

/// Counters of the buffer cache behind tensor storage and kernel scratch space; see
/// ``memoryStatistics()``.
public struct MemoryStatistics: Sendable, Equatable {
  /// Buffers of at least the cache's minimum size that were requested.
  public var cacheableRequests = 0
  /// Of those, the requests served from the cache.
  public var cacheHits = 0
  /// Bytes held in free cached buffers now.
  public var cachedBytes = 0

  /// Requests that had to allocate a new buffer.
  public var cacheMisses: Int { cacheableRequests - cacheHits }
}

/// The counters of the buffer cache since the process started.
///
/// Tensor storage and the kernels' scratch space of at least 32 KiB come from a cache of freed
/// buffers of the same byte size, so that a training loop, which allocates the same sizes every
/// step, reuses its buffers instead of allocating (and page-faulting) new ones. Comparing two
/// readings tells how many buffers a piece of code had to allocate
/// (``MemoryStatistics/cacheMisses``).
public func memoryStatistics() -> MemoryStatistics {
  let s = StorageCache.statistics
  return MemoryStatistics(
    cacheableRequests: s.cacheableRequests, cacheHits: s.cacheHits, cachedBytes: s.cachedBytes)
}

/// Sets how many bytes of freed buffers the cache may keep (default 256 MiB, or
/// `AUTOGRAD_CACHE_MB` mebibytes), releasing the oldest cached buffers above the new limit.
///
/// `setStorageCacheLimit(0)` empties the cache and turns it off, like
/// `torch.cuda.empty_cache()` followed by disabling the caching allocator.
///
/// - Parameter bytes: The limit in bytes; must not be negative.
public func setStorageCacheLimit(_ bytes: Int) {
  check(bytes >= 0, "setStorageCacheLimit: the limit must not be negative, got \(bytes)")
  StorageCache.setLimit(bytes)
}

/// Benchmark hook: the single-precision matrix product kernel `C = op(A)·op(B) (+ beta·C)` on raw
/// row-major buffers, so that a benchmark can time it without tensor overhead.
///
/// Exposed as SPI so that it is not public API: `@_spi(Benchmarking) import Autograd`.
@_spi(Benchmarking)
public func benchmarkSGEMM(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  Kernels.gemm(
    transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
    beta: beta, c: c, ldc: ldc)
}
