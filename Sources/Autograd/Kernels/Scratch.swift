// Reusable scratch buffers for kernels, so that a training step does not allocate (and
// page-fault in) fresh im2col columns and partial sums on every call.

import Synchronization

/// A free scratch buffer. Sendable because a buffer is owned by exactly one user at a time: the
/// pool hands it out under its lock and gets it back after the user's last access.
private struct ScratchBuffer: @unchecked Sendable {
  let pointer: UnsafeMutableRawPointer
  let byteCount: Int
}

/// Free scratch buffers, most recently returned last. Holds at most `scratchPoolLimit` buffers;
/// returning one more frees the oldest.
private let scratchPool = Mutex<[ScratchBuffer]>([])

/// The most free buffers the pool keeps (a few per kernel thread and buffer kind).
private let scratchPoolLimit = 16

extension Kernels {
  /// Calls `body` with an uninitialised, 64-byte aligned buffer of at least `count` elements,
  /// taken from a process-wide pool and returned to it afterwards.
  ///
  /// A pooled buffer is reused when it is at least as large as the request and at most twice as
  /// large, so a loop that asks for the same sizes (a training step) allocates nothing after its
  /// first iteration. Thread-safe; `body` must not let the pointer escape.
  static func withScratch<T, Result>(
    _: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> Result
  ) rethrows -> Result {
    let byteCount = Swift.max(count, 1) * MemoryLayout<T>.stride
    let buffer = scratchPool.withLock { pool -> ScratchBuffer? in
      var best: Int?
      for (index, candidate) in pool.enumerated()
      where candidate.byteCount >= byteCount && candidate.byteCount <= 2 * byteCount {
        if best == nil || candidate.byteCount < pool[best!].byteCount { best = index }
      }
      return best.map { pool.remove(at: $0) }
    }
    let owned =
      buffer
      ?? ScratchBuffer(
        pointer: UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64),
        byteCount: byteCount)
    defer {
      let evicted = scratchPool.withLock { pool -> ScratchBuffer? in
        pool.append(owned)
        return pool.count > scratchPoolLimit ? pool.removeFirst() : nil
      }
      evicted?.pointer.deallocate()
    }
    return try body(
      owned.pointer.bindMemory(to: T.self, capacity: owned.byteCount / MemoryLayout<T>.stride))
  }
}
