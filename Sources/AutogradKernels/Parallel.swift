import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The number of threads the CPU kernels may use; see `setNumThreads(_:)`.
private let kernelThreadCount = Atomic<Int>(defaultThreadCount())

/// Reads `AUTOGRAD_NUM_THREADS` (a positive integer) or falls back to all active cores.
private func defaultThreadCount() -> Int {
  Kernels.environmentSetting("AUTOGRAD_NUM_THREADS", expected: "a positive integer") {
    Int($0).flatMap { $0 > 0 ? $0 : nil }
  } ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
}

extension Kernels {
  /// Sets the number of threads the kernels may use (at least 1; checked by the caller).
  public static func setThreadCount(_ count: Int) {
    kernelThreadCount.store(count, ordering: .relaxed)
  }

  /// The number of threads the kernels may use: `AUTOGRAD_NUM_THREADS` when it holds a positive
  /// integer, otherwise the number of active cores, until ``setThreadCount(_:)`` changes it.
  public static func threadCount() -> Int { kernelThreadCount.load(ordering: .relaxed) }
}

extension Kernels {
  /// Runs `body(i)` for every `i` in `0..<count`, on at most `Kernels.threadCount()` threads.
  ///
  /// Iterations are handed out dynamically, so `body` must not depend on which thread runs an
  /// index or in which order indices run; it must only write data owned by index `i`. Runs
  /// serially on the calling thread when one thread is allowed, when `count == 1`, or when called
  /// from inside another `parallelFor` body (see `isInParallelRegion`). Returns when all
  /// iterations have finished.
  ///
  /// Uses a pool of persistent helper threads that spin briefly between jobs, so that a job of a
  /// few tens of microseconds (a small GEMM) starts on all threads at once; a call made while
  /// another thread's job occupies the pool falls back to `DispatchQueue.concurrentPerform`.
  public static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    guard count > 0 else { return }
    let threads = min(Kernels.threadCount(), count)
    if threads <= 1 || isInParallelRegion {
      for index in 0..<count { body(index) }
      return
    }
    if kernelThreadPool.run(count, helpers: threads - 1, body) { return }
    let nextIndex = Atomic<Int>(0)
    withoutActuallyEscaping(body) { body in
      // `concurrentPerform` wants a `@Sendable` closure. `body` runs concurrently by contract
      // (see above), and it cannot outlive this call because `concurrentPerform` is synchronous.
      let work = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: threads) { _ in
        markParallelRegion(true)
        defer { markParallelRegion(false) }
        while true {
          let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
          if index >= count { break }
          work.value(index)
        }
      }
    }
  }

  /// Whether the calling thread is running the body of a `parallelFor`.
  ///
  /// A `parallelFor` called from inside another one (say, a GEMM inside a convolution's
  /// per-image task) runs serially on the calling thread, like PyTorch's `at::parallel_for`: the
  /// outer loop already occupies every kernel thread.
  public static var isInParallelRegion: Bool { pthread_getspecific(parallelRegionKey) != nil }
}

/// The thread-specific key whose non-nil value marks a thread inside a `parallelFor` body.
private let parallelRegionKey: pthread_key_t = {
  var key = pthread_key_t()
  let status = pthread_key_create(&key, nil)
  precondition(status == 0, "parallelFor: pthread_key_create failed with \(status)")
  return key
}()

/// Marks (or unmarks) the calling thread as running a `parallelFor` body.
private func markParallelRegion(_ inside: Bool) {
  _ = pthread_setspecific(parallelRegionKey, inside ? UnsafeRawPointer(bitPattern: 1) : nil)
}

/// Lets the operating system run another thread (used while waiting for a preempted helper).
private func yieldProcessor() {
  #if canImport(Glibc)
    _ = sched_yield()
  #else
    Thread.sleep(forTimeInterval: 0)
  #endif
}

/// The helper threads behind `Kernels.parallelFor`.
private let kernelThreadPool = KernelThreadPool()

/// Persistent helper threads that run `parallelFor` jobs together with the calling thread.
///
/// Protocol (all through the atomic `state` word: generation, closed flag, helper limit, and the
/// number of helpers currently joined):
/// 1. The owner (the caller holding `busy`) stores the job (`body`, `count`), resets
///    `nextIndex`, then publishes a new generation, open, with active count 0, and wakes
///    sleeping helpers.
/// 2. A helper that sees a new generation joins by incrementing the active count with a
///    compare-exchange, which fails once the job is closed or the limit is reached. Only a joined
///    helper reads the job; it claims indices from `nextIndex` and leaves (decrements) after
///    dropping its reference to `body`.
/// 3. The owner claims indices too; when none are left it closes the job and waits until no
///    helper is joined, so every iteration has finished, and only then clears `body`.
/// Between jobs a helper spins for `spinNanoseconds`, then sleeps on its semaphore.
private final class KernelThreadPool: @unchecked Sendable {
  // Sendable audit: `body`, `count` and `helpers` are written only by the owner, `body` and
  // `count` only while no helper is joined (steps 1 and 3), and read by helpers only while joined;
  // the atomic `state` orders these accesses (release on publish, acquire on join).

  /// One helper thread's wake-up signal.
  private final class Helper: Sendable {
    let wake = DispatchSemaphore(value: 0)
    let sleeping = Atomic<Bool>(false)
  }

  private static let generationShift = 32
  private static let closedFlag = 1 << 31
  private static let limitShift = 16
  private static let activeMask = (1 << 16) - 1
  /// How long an idle helper spins before it sleeps.
  private static let spinNanoseconds: UInt64 = {
    Kernels.environmentSetting(
      "AUTOGRAD_SPIN_NS", expected: "a whole number of nanoseconds", UInt64.init) ?? 200_000
  }()

  private let state = Atomic<Int>(0)
  private let nextIndex = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)
  private var body: ((Int) -> Void)?
  private var count = 0
  private var helpers: [Helper] = []

  /// Runs the job with up to `helpers` helper threads; returns false (doing nothing) if the pool
  /// is already running a job.
  func run(_ count: Int, helpers wanted: Int, _ body: (Int) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else { return false }
    defer { busy.store(false, ordering: .releasing) }
    let limit = min(wanted, Self.activeMask)
    while helpers.count < limit { startHelper() }
    withoutActuallyEscaping(body) { body in
      self.body = body
      self.count = count
      nextIndex.store(0, ordering: .relaxed)
      let generation = (state.load(ordering: .relaxed) >> Self.generationShift) + 1
      state.store(
        generation << Self.generationShift | limit << Self.limitShift,
        ordering: .sequentiallyConsistent)
      for helper in helpers[0..<limit]
      where helper.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
        helper.wake.signal()
      }
      markParallelRegion(true)
      while true {
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        if index >= count { break }
        body(index)
      }
      markParallelRegion(false)
      _ = state.bitwiseOr(Self.closedFlag, ordering: .acquiringAndReleasing)
      var spins = 0
      while state.load(ordering: .acquiring) & Self.activeMask != 0 {
        spins += 1
        // A joined helper that was preempted needs a core to finish its last iteration.
        if spins & 4095 == 0 { yieldProcessor() }
      }
      self.body = nil
    }
    return true
  }

  /// Starts one more helper thread, waiting for jobs after the current generation.
  private func startHelper() {
    let helper = Helper()
    helpers.append(helper)
    let seen = state.load(ordering: .relaxed) >> Self.generationShift
    let thread = Thread { [self] in helperLoop(helper, seen: seen) }
    thread.name = "autograd-kernel-\(helpers.count)"
    thread.start()
  }

  /// A helper thread's life: wait for a new generation, join it if possible, work, repeat.
  private func helperLoop(_ helper: Helper, seen initialGeneration: Int) {
    // A helper runs nothing but `parallelFor` bodies.
    markParallelRegion(true)
    var seen = initialGeneration
    while true {
      var current = waitForGeneration(after: seen, helper)
      seen = current >> Self.generationShift
      while current >> Self.generationShift == seen && current & Self.closedFlag == 0
        && current & Self.activeMask < (current >> Self.limitShift) & Self.activeMask
      {
        let joined = state.compareExchange(
          expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
        if joined.exchanged {
          work()
          state.wrappingSubtract(1, ordering: .releasing)
          break
        }
        current = joined.original
      }
    }
  }

  /// Claims and runs iterations of the current job; the reference to `body` ends with the call.
  @inline(never)
  private func work() {
    guard let body else { return }
    let count = self.count
    while true {
      let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
      if index >= count { break }
      body(index)
    }
  }

  /// Spins, then sleeps, until the generation differs from `seen`; returns the new state word.
  private func waitForGeneration(after seen: Int, _ helper: Helper) -> Int {
    var spinStart: UInt64 = 0
    var spins = 0
    while true {
      let current = state.load(ordering: .acquiring)
      if current >> Self.generationShift != seen { return current }
      spins += 1
      if spins & 255 != 0 { continue }
      let now = DispatchTime.now().uptimeNanoseconds
      if spinStart == 0 {
        spinStart = now
      } else if now - spinStart > Self.spinNanoseconds {
        helper.sleeping.store(true, ordering: .sequentiallyConsistent)
        if state.load(ordering: .sequentiallyConsistent) >> Self.generationShift == seen {
          helper.wake.wait()
        }
        helper.sleeping.store(false, ordering: .relaxed)
        spinStart = 0
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
public struct UncheckedSendable<Value>: @unchecked Sendable {
  /// The wrapped value.
  public let value: Value

  /// Wraps `value`; see the type's audit rule.
  public init(_ value: Value) { self.value = value }
}
