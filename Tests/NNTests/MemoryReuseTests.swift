import Foundation
import NN
import Testing

@Suite("Storage reuse")
struct MemoryReuseTests {
  @Test(
    "after warm-up, CNN training steps allocate no new tensor buffer; a zero limit empties the cache"
  )
  func trainingStepsReuseBuffers() async {
    // Its own process: the cache's counters are process-wide and other tests run in parallel.
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      // Progress lines: should the child stop early, the parent's message shows how far it got.
      FileHandle.standardError.write(Data("child started\n".utf8))
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
      for _ in 0..<3 { _ = step() }
      FileHandle.standardError.write(Data("warmed up\n".utf8))
      let before = memoryStatistics()
      var losses = [Double]()
      for _ in 0..<5 { losses.append(step()) }
      let after = memoryStatistics()
      let requests = after.cacheableRequests - before.cacheableRequests
      let misses = after.cacheMisses - before.cacheMisses
      setStorageCacheLimit(0)
      let emptied = memoryStatistics().cachedBytes
      FileHandle.standardError.write(
        Data("requests \(requests), misses \(misses), emptied \(emptied), losses \(losses)\n".utf8))
      // Reused (uninitialised) buffers must not leak old values into results: training goes on.
      let learning = losses.last! < losses.first! && losses.allSatisfy(\.isFinite)
      exit(requests > 50 && misses == 0 && emptied == 0 && learning ? 0 : 1)
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("requests"), "\(stderr)")
  }
}
