import Dispatch
import Foundation
import Synchronization

/// The number of threads the CPU kernels may use; see `setNumThreads(_:)`.
private let kernelThreadCount = Atomic<Int>(defaultThreadCount())

/// Reads `AUTOGRAD_NUM_THREADS` (a positive integer) or falls back to all active cores.
private func defaultThreadCount() -> Int {
  if let text = ProcessInfo.processInfo.environment["AUTOGRAD_NUM_THREADS"],
    let count = Int(text.trimmingCharacters(in: .whitespaces)), count > 0
  {
    return count
  }
  return max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Sets the number of threads that the CPU kernels (GEMM, convolution, element-wise ops) may use.
///
/// Mirrors `torch.set_num_threads`. Results never depend on this value: every kernel computes
/// each output element with the same summation order whatever the thread count.
///
/// - Parameter count: The maximum number of threads; must be at least 1.
public func setNumThreads(_ count: Int) {
  precondition(count >= 1, "setNumThreads: count must be at least 1, got \(count)")
  kernelThreadCount.store(count, ordering: .relaxed)
}

/// Returns the number of threads that the CPU kernels may use.
///
/// Mirrors `torch.get_num_threads`. Defaults to the environment variable `AUTOGRAD_NUM_THREADS`
/// when it holds a positive integer, otherwise to the number of active processor cores.
public func numThreads() -> Int {
  kernelThreadCount.load(ordering: .relaxed)
}

extension Kernels {
  /// Runs `body(i)` for every `i` in `0..<count`, on at most `numThreads()` threads.
  ///
  /// Iterations are handed out dynamically, so `body` must not depend on which thread runs an
  /// index or in which order indices run; it must only write data owned by index `i`. Runs
  /// serially on the calling thread when one thread is allowed or `count == 1`. Returns when all
  /// iterations have finished.
  static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    let threads = min(numThreads(), count)
    if threads <= 1 {
      for index in 0..<count { body(index) }
      return
    }
    let nextIndex = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
      // `concurrentPerform` wants a `@Sendable` closure. `body` runs concurrently by contract
      // (see above), and it cannot outlive this call because `concurrentPerform` is synchronous.
      let work = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: threads) { _ in
        while true {
          let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
          if index >= count { break }
          work.value(index)
        }
      }
    }
  }
}

/// Wraps a value that is not `Sendable` so a `parallelFor` body can capture it.
///
/// Audit rule for every use: the wrapped value (typically an `UnsafePointer` or
/// `UnsafeMutablePointer` to a buffer) must outlive the parallel loop, which holds because
/// `Kernels.parallelFor` is synchronous; concurrent iterations may read shared memory through it
/// but must write only disjoint elements, so no two threads ever race on the same element.
struct UncheckedSendable<Value>: @unchecked Sendable {
  /// The wrapped value.
  let value: Value

  /// Wraps `value`; see the type's audit rule.
  init(_ value: Value) { self.value = value }
}
