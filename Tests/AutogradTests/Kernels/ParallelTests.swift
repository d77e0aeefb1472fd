import Dispatch
import Testing

import Autograd
@testable import AutogradKernels

/// Changes the global thread count, so its tests run one after another.
@Suite("Kernels.parallelFor", .serialized)
struct ParallelForTests {
  /// Runs `parallelFor(count)` and returns how many times each index ran.
  private func visits(_ count: Int, nested: Int = 0) -> [Int] {
    var hits = [Int](repeating: 0, count: count * max(1, nested))
    hits.withUnsafeMutableBufferPointer { hits in
      let slots = UncheckedSendable(hits.baseAddress!)
      Kernels.parallelFor(count) { index in
        if nested > 0 {
          Kernels.parallelFor(nested) { inner in slots.value[index * nested + inner] += 1 }
        } else {
          slots.value[index] += 1
        }
      }
    }
    return hits
  }

  @Test("every index runs exactly once, for 1 to 4 threads", arguments: [1, 2, 3, 4])
  func everyIndexOnce(threads: Int) {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    setNumThreads(threads)
    for count in [0, 1, 2, 3, 7, 64, 1000] {
      #expect(visits(count) == [Int](repeating: 1, count: count))
    }
    // Many short jobs back to back (helpers spinning between jobs).
    for _ in 0..<2000 {
      #expect(visits(5) == [1, 1, 1, 1, 1])
    }
  }

  @Test("nested and concurrent calls run every index exactly once")
  func nestedAndConcurrent() {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    setNumThreads(2)
    #expect(visits(16, nested: 9) == [Int](repeating: 1, count: 16 * 9))
    let failures = UncheckedSendable(UnsafeMutablePointer<Int>.allocate(capacity: 4))
    defer { failures.value.deallocate() }
    failures.value.initialize(repeating: 0, count: 4)
    // Four callers at once: one gets the helper pool, the others fall back.
    DispatchQueue.concurrentPerform(iterations: 4) { caller in
      for _ in 0..<200 where visits(33) != [Int](repeating: 1, count: 33) {
        failures.value[caller] += 1
      }
    }
    #expect((0..<4).map { failures.value[$0] } == [0, 0, 0, 0])
  }
}
