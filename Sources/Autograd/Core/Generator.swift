import AutogradKernels
import Synchronization

/// A seedable pseudo-random generator (xoshiro256**), shared by reference like `torch.Generator`.
///
/// The same seed gives the same stream on every platform and run. All random ops (creation,
/// dropout, sampling, initialisation, shuffling) take a generator, defaulting to
/// ``Generator/default``, which ``manualSeed(_:)`` reseeds.
public final class Generator: RandomNumberGenerator, Sendable {
  private let state: Mutex<(UInt64, UInt64, UInt64, UInt64)>

  /// The process-wide generator, seeded with 0 until ``manualSeed(_:)`` is called.
  private static let processDefault = Generator(seed: 0)
  /// The generator that ``default`` names inside ``withDefault(_:_:)``.
  @TaskLocal private static var scoped: Generator?

  /// The default generator: the process-wide one, seeded with 0 until ``manualSeed(_:)`` is
  /// called, or, inside ``withDefault(_:_:)``, the one given there.
  public static var `default`: Generator { scoped ?? processDefault }

  /// Runs `body` with `generator` as ``default`` on this task (and the tasks it creates), like
  /// `torch.random.fork_rng()`: code that seeds and draws from the default generator inside
  /// `body` (``manualSeed(_:)`` included) touches only `generator`, so concurrent runs, tests
  /// say, cannot disturb each other's streams.
  public static func withDefault<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
    try $scoped.withValue(generator, operation: body)
  }

  /// Creates a generator whose stream is determined by `seed`.
  public init(seed: UInt64) {
    state = Mutex(Generator.expand(seed))
  }

  /// Restarts the stream from `seed`.
  public func manualSeed(_ seed: UInt64) {
    state.withLock { $0 = Generator.expand(seed) }
  }

  private static func expand(_ seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
    var z = seed
    func splitmix() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    return (splitmix(), splitmix(), splitmix(), splitmix())
  }

  @inline(__always)
  private static func step(_ s: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
    let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = s.3 << 45 | s.3 >> 19
    return result
  }

  /// The next 64 random bits.
  public func next() -> UInt64 {
    state.withLock { Generator.step(&$0) }
  }

  /// Fills `count` values produced by `transform` from successive 64-bit draws, under one lock.
  func fill<T>(_ count: Int, _ transform: (UInt64) -> T) -> [T] {
    state.withLock { s in
      var out = [T]()
      out.reserveCapacity(count)
      for _ in 0..<count { out.append(transform(Generator.step(&s))) }
      return out
    }
  }

  /// Writes `transform(u)` for successive uniform doubles u in [0, 1) into `buffer`, under one
  /// lock and without an intermediate array.
  func fillUniform<T>(_ buffer: UnsafeMutableBufferPointer<T>, _ transform: (Double) -> T) {
    state.withLock { s in
      for i in buffer.indices {
        buffer[i] = transform(Double(Generator.step(&s) >> 11) * 0x1p-53)
      }
    }
  }

  /// A uniform `Double` in [0, 1) with 53 random bits.
  public func nextUniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// `count` uniform doubles in [0, 1).
  func uniforms(_ count: Int) -> [Double] {
    fill(count) { Double($0 >> 11) * 0x1p-53 }
  }

  /// A random permutation of `0..<n` (Fisher–Yates), as used for shuffling datasets.
  public func randomPermutation(_ n: Int) -> [Int] {
    var p = Array(0..<n)
    guard n > 1 else { return p }
    state.withLock { s in
      for i in stride(from: n - 1, to: 0, by: -1) {
        let j = Int(Generator.step(&s) % UInt64(i + 1))
        p.swapAt(i, j)
      }
    }
    return p
  }
}

/// Reseeds ``Generator/default``, like `torch.manual_seed`.
public func manualSeed(_ seed: UInt64) {
  Generator.default.manualSeed(seed)
}
