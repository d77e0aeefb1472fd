import Foundation
import NN
import Testing

@Suite("Storage reuse")
struct MemoryReuseTests {
  @Test(
    "after warm-up, CNN training steps allocate no new tensor buffer (one thread; with two, fewer than one a step); a zero limit empties the cache"
  )
  func trainingStepsReuseBuffers() async {
    // Its own process: the cache's counters are process-wide and other tests run in parallel.
    // The child always exits normally and reports its counts on standard error, so that the
    // parent's expectations below show them when they fail (a failed exit test has no result).
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      let model = MNISTNet()
      let optimizer = Adam(model.parameters(), learningRate: 1e-3)
      let x = Tensor.randn([16, 1, 28, 28])
      let y = Tensor(shape: [16], indices: (0..<16).map { $0 % 10 })
      func step() -> Double {
        let loss = crossEntropy(model(x), y)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        return loss.item()
      }
      var report = ""
      var losses = [Double]()
      // One thread: the same allocations in the same order every step, so no miss at all. Two:
      // two kernel tasks that ran in turn during the warm-up may later run at once and need a
      // second scratch buffer of a size, which is then kept: a few misses now and then, but
      // fewer than one a step (an allocation every step would miss once a step).
      for threads in [1, 2] {
        setNumThreads(threads)
        for _ in 0..<3 { losses.append(step()) }
        let before = memoryStatistics()
        for _ in 0..<(5 * threads) { losses.append(step()) }
        let after = memoryStatistics()
        report +=
          "threads \(threads) requests \(after.cacheableRequests - before.cacheableRequests)"
          + " misses \(after.cacheMisses - before.cacheMisses)\n"
      }
      setStorageCacheLimit(0)
      report += "emptied \(memoryStatistics().cachedBytes)\nlosses \(losses)\n"
      FileHandle.standardError.write(Data(report.utf8))
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    func count(_ label: String, threads: Int) -> Int? {
      let line = stderr.split(separator: "\n").first { $0.hasPrefix("threads \(threads) ") }
      let words = line?.split(separator: " ") ?? []
      return words.firstIndex(of: Substring(label)).flatMap { Int(words[$0 + 1]) }
    }
    #expect((count("requests", threads: 1) ?? 0) > 50, "\(stderr)")
    #expect(count("misses", threads: 1) == 0, "\(stderr)")
    #expect((count("requests", threads: 2) ?? 0) > 50, "\(stderr)")
    #expect((count("misses", threads: 2) ?? .max) < 10, "\(stderr)")
    #expect(stderr.contains("emptied 0\n"), "\(stderr)")
    // Reused (uninitialised) buffers must not leak old values into results: training goes on.
    let losses =
      stderr.split(separator: "\n").first { $0.hasPrefix("losses ") }?
      .dropFirst("losses [".count).dropLast().split(separator: ",")
      .compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? []
    #expect(losses.count == 21 && losses.allSatisfy(\.isFinite), "\(stderr)")
    #expect((losses.last ?? .infinity) < (losses.first ?? 0), "\(stderr)")
  }
}
