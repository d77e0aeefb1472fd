import Autograd
import Testing

@testable import AutogradKernels

@Suite("Buffer cache settings")
struct StorageCacheTests {
  @Test("AUTOGRAD_CACHE_MB: whole mebibytes are taken, anything else gives the 256 MiB default")
  func environmentLimit() {
    #expect(StorageCache.limit(fromEnvironment: "12") == 12 << 20)
    #expect(StorageCache.limit(fromEnvironment: " 0 ") == 0)
    for bad in [nil, "", "-3", "abc", "1.5", "12MB", "99999999999999999999", "\(Int.max)"] {
      #expect(StorageCache.limit(fromEnvironment: bad) == 256 << 20, "\(bad ?? "unset")")
    }
  }

  @Test("buffers of every size are 64-byte aligned, hold what is written, and free cleanly")
  func alignmentAndRelease() {
    // Below the cache's minimum the buffers are aligned by hand inside a malloc block; at and
    // above it they come from the aligned allocator (and the cache).
    let sizes =
      [1, 4, 15, 16, 17, 63, 64, 65, 100, 1000, 4096, StorageCache.minimumBytes - 1]
      + [StorageCache.minimumBytes, StorageCache.minimumBytes + 4]
    for round in 0..<3 {
      var buffers: [(UnsafeMutableRawPointer, Int)] = []
      for size in sizes {
        let buffer = StorageCache.allocate(byteCount: size)
        #expect(Int(bitPattern: buffer) % 64 == 0, "\(size) bytes at \(buffer)")
        let bytes = buffer.bindMemory(to: UInt8.self, capacity: size)
        for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &+ size &+ round) }
        buffers.append((buffer, size))
      }
      // Every buffer still holds its own bytes after all were written (no overlap).
      for (buffer, size) in buffers {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        #expect(
          (0..<size).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &+ size &+ round) },
          "\(size) bytes")
      }
      for (buffer, size) in buffers.reversed() { StorageCache.release(buffer, byteCount: size) }
    }
  }

  @Test("a negative limit stops with a message naming the function and the value")
  func negativeLimit() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      setStorageCacheLimit(-1)
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(
      stderr.contains("setStorageCacheLimit: the limit must not be negative, got -1"), "\(stderr)")
  }
}

@Suite("environment settings")
struct EnvironmentSettingTests {
  @Test("a value that parses is used; one that does not is ignored with a line naming it")
  func badValuesWarn() {
    var lines = [String]()
    func read(_ environment: [String: String]) -> Int? {
      Kernels.environmentSetting(
        "AUTOGRAD_NUM_THREADS", expected: "a positive integer", in: environment,
        warn: { lines.append($0) }
      ) { Int($0).flatMap { $0 > 0 ? $0 : nil } }
    }
    #expect(read([:]) == nil)
    #expect(read(["AUTOGRAD_NUM_THREADS": " 3 "]) == 3)
    #expect(lines.isEmpty)
    #expect(read(["AUTOGRAD_NUM_THREADS": "two"]) == nil)
    #expect(read(["AUTOGRAD_NUM_THREADS": "0"]) == nil)
    #expect(
      lines == [
        "swift-autograd: ignoring AUTOGRAD_NUM_THREADS=\"two\" (expected a positive integer)",
        "swift-autograd: ignoring AUTOGRAD_NUM_THREADS=\"0\" (expected a positive integer)",
      ])
  }
}
