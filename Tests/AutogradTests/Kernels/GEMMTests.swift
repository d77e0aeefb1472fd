import Autograd
import Testing

@testable import AutogradKernels

/// A GEMM test case: `C[m×n] = op(A)·op(B) + beta·C` with optional extra leading-dimension padding.
struct GEMMCase: CustomTestStringConvertible, Sendable {
  var m: Int
  var n: Int
  var k: Int
  var transA = false
  var transB = false
  var beta = 0.0
  /// Added to the minimum lda, ldb and ldc.
  var padding = 0

  var testDescription: String {
    "\(m)×\(n)×\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") β=\(beta) pad=\(padding)"
  }

  var lda: Int { max(1, transA ? m : k) + padding }
  var ldb: Int { max(1, transB ? k : n) + padding }
  var ldc: Int { max(1, n) + padding }
  var countA: Int { (transA ? k : m) * lda }
  var countB: Int { (transB ? n : k) * ldb }
  var countC: Int { m * ldc }

  /// Every combination of transposes, betas and paddings for the shape `m×n×k`.
  static func all(_ m: Int, _ n: Int, _ k: Int) -> [GEMMCase] {
    var cases: [GEMMCase] = []
    for transA in [false, true] {
      for transB in [false, true] {
        for beta in [0.0, 1.0] {
          for padding in [0, 3] {
            cases.append(
              GEMMCase(
                m: m, n: n, k: k, transA: transA, transB: transB, beta: beta, padding: padding))
          }
        }
      }
    }
    return cases
  }
}

/// Deterministic pseudo-random values in [-1, 1] (a linear congruential generator).
private struct GEMMTestValues {
  var state: UInt64

  mutating func next() -> Double {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Double(Int(truncatingIfNeeded: state >> 33) % 2001 - 1000) / 1000
  }
}

/// The operands of a case, filled with random values; padding of A and B holds NaN so that any
/// read of it shows up in the result.
private struct GEMMOperands {
  var a: [Double]
  var b: [Double]
  var c: [Double]

  init(_ test: GEMMCase, seed: UInt64) {
    var values = GEMMTestValues(state: seed)
    func matrix(rows: Int, cols: Int, ld: Int) -> [Double] {
      var data = [Double](repeating: .nan, count: rows * ld)
      for r in 0..<rows {
        for col in 0..<cols { data[r * ld + col] = values.next() }
      }
      return data
    }
    a =
      test.transA
      ? matrix(rows: test.k, cols: test.m, ld: test.lda)
      : matrix(rows: test.m, cols: test.k, ld: test.lda)
    b =
      test.transB
      ? matrix(rows: test.n, cols: test.k, ld: test.ldb)
      : matrix(rows: test.k, cols: test.n, ld: test.ldb)
    c = matrix(rows: test.m, cols: test.n, ld: test.ldc)
    if test.beta == 0 {
      // C must be fully overwritten: any read of its old contents would propagate NaN.
      for r in 0..<test.m {
        for col in 0..<test.n { c[r * test.ldc + col] = .nan }
      }
    }
  }

  /// The naive triple loop in Double: the expected C and, per element, Σ|a·b| for the tolerance.
  func reference(_ test: GEMMCase) -> (c: [Double], magnitude: [Double]) {
    var expected = c
    var magnitude = [Double](repeating: 0, count: c.count)
    for i in 0..<test.m {
      for j in 0..<test.n {
        var sum = 0.0
        var absSum = 0.0
        for p in 0..<test.k {
          let x = test.transA ? a[p * test.lda + i] : a[i * test.lda + p]
          let y = test.transB ? b[j * test.ldb + p] : b[p * test.ldb + j]
          sum += x * y
          absSum += abs(x * y)
        }
        let index = i * test.ldc + j
        expected[index] = test.beta == 0 ? sum : c[index] + sum
        magnitude[index] = absSum + (test.beta == 0 ? 0 : abs(c[index]))
      }
    }
    return (expected, magnitude)
  }
}

/// Runs the Float32 kernel on `operands` (converted to Float).
private func runFloatGEMM(_ test: GEMMCase, _ operands: GEMMOperands) -> [Float] {
  let a = operands.a.map { Float($0) }
  let b = operands.b.map { Float($0) }
  var c = operands.c.map { Float($0) }
  a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        Kernels.gemm(
          transA: test.transA, transB: test.transB, m: test.m, n: test.n, k: test.k,
          a: a.baseAddress!, lda: test.lda, b: b.baseAddress!, ldb: test.ldb,
          beta: Float(test.beta), c: c.baseAddress!, ldc: test.ldc)
      }
    }
  }
  return c
}

/// Runs the Float64 kernel on `operands`.
private func runDoubleGEMM(_ test: GEMMCase, _ operands: GEMMOperands) -> [Double] {
  var c = operands.c
  operands.a.withUnsafeBufferPointer { a in
    operands.b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        Kernels.gemm(
          transA: test.transA, transB: test.transB, m: test.m, n: test.n, k: test.k,
          a: a.baseAddress!, lda: test.lda, b: b.baseAddress!, ldb: test.ldb,
          beta: test.beta, c: c.baseAddress!, ldc: test.ldc)
      }
    }
  }
  return c
}

/// Checks every element of C against the reference, and that C's padding is untouched.
private func expectMatches<T: BinaryFloatingPoint>(
  _ result: [T], _ test: GEMMCase, _ operands: GEMMOperands, unitRoundoff: Double
) {
  let (expected, magnitude) = operands.reference(test)
  var failures = 0
  for i in 0..<test.m {
    for j in 0..<test.ldc {
      let index = i * test.ldc + j
      let got = Double(result[index])
      if j >= test.n {
        // C's padding must keep its old value.
        let before = operands.c[index]
        if !(got.isNaN && before.isNaN) && got != Double(T(before)) { failures += 1 }
        continue
      }
      let tolerance = unitRoundoff * Double(test.k + 2) * magnitude[index] + 1e-30
      if !(abs(got - expected[index]) <= tolerance) {
        failures += 1
        if failures <= 3 {
          Issue.record("C[\(i), \(j)] = \(got), expected \(expected[index]) ± \(tolerance)")
        }
      }
    }
  }
  #expect(failures == 0, "\(failures) wrong elements for \(test.testDescription)")
}

/// Shapes with sizes of 0, 1, primes and non-multiples of the 6×16 register tile.
private let gemmOddShapes: [(Int, Int, Int)] = [
  (1, 1, 1), (0, 5, 3), (4, 0, 3), (3, 5, 0), (7, 13, 5), (17, 31, 129), (6, 16, 8),
  (12, 32, 257), (13, 47, 3), (31, 3, 61), (2, 67, 19), (65, 17, 9), (25, 208, 300),
]

@Suite("Kernels.gemm")
struct GEMMTests {
  @Test("Float32 matches a Double triple loop", arguments: gemmOddShapes.flatMap(GEMMCase.all))
  func floatMatchesReference(_ test: GEMMCase) {
    let operands = GEMMOperands(test, seed: UInt64(test.m * 1_000_003 + test.n * 1009 + test.k))
    expectMatches(runFloatGEMM(test, operands), test, operands, unitRoundoff: 0x1p-24)
  }

  @Test("Float64 matches a Double triple loop", arguments: gemmOddShapes.flatMap(GEMMCase.all))
  func doubleMatchesReference(_ test: GEMMCase) {
    let operands = GEMMOperands(test, seed: UInt64(test.m * 7919 + test.n * 31 + test.k))
    expectMatches(runDoubleGEMM(test, operands), test, operands, unitRoundoff: 0x1p-53)
  }

  @Test(
    "Float32 across several cache blocks",
    arguments: [
      GEMMCase(m: 150, n: 70, k: 600, transA: false, transB: true, beta: 1, padding: 5),
      GEMMCase(m: 151, n: 3089, k: 7, transA: true, transB: false, beta: 0, padding: 1),
      GEMMCase(m: 40, n: 50, k: 1030, transA: true, transB: true, beta: 0, padding: 0),
      // A·Bᵀ with a small C: the unpacked dot-product path, above the parallel threshold.
      GEMMCase(m: 40, n: 50, k: 1030, transA: false, transB: true, beta: 1, padding: 2),
      // Few rows and a large B with contiguous lanes: B read in place, its last panel packed.
      GEMMCase(m: 20, n: 815, k: 300, transA: false, transB: false, beta: 1, padding: 3),
      GEMMCase(m: 17, n: 200, k: 800, transA: true, transB: false, beta: 0, padding: 0),
    ])
  func floatLargeBlocks(_ test: GEMMCase) {
    let operands = GEMMOperands(test, seed: 42)
    expectMatches(runFloatGEMM(test, operands), test, operands, unitRoundoff: 0x1p-24)
  }

  @Test("beta 1 accumulates into C, beta 0 overwrites it")
  func betaSemantics() {
    // A = [[1, 2]], B = [[3], [4]]: A·B = 11.
    let a: [Float] = [1, 2]
    let b: [Float] = [3, 4]
    var c: [Float] = [100]
    Kernels.gemm(
      transA: false, transB: false, m: 1, n: 1, k: 2, a: a, lda: 2, b: b, ldb: 1, beta: 1,
      c: &c, ldc: 1)
    #expect(c == [111])
    Kernels.gemm(
      transA: false, transB: false, m: 1, n: 1, k: 2, a: a, lda: 2, b: b, ldb: 1, beta: 0,
      c: &c, ldc: 1)
    #expect(c == [11])
    var d: [Double] = [.nan]
    let ad: [Double] = [1, 2]
    let bd: [Double] = [3, 4]
    Kernels.gemm(
      transA: false, transB: false, m: 1, n: 1, k: 0, a: ad, lda: 2, b: bd, ldb: 1, beta: 0,
      c: &d, ldc: 1)
    #expect(d == [0])
    Kernels.gemm(
      transA: false, transB: false, m: 1, n: 1, k: 2, a: ad, lda: 2, b: bd, ldb: 1, beta: 1,
      c: &d, ldc: 1)
    #expect(d == [11])
  }
}

/// Changes the global thread count, so its tests run one after another.
@Suite("Kernels.gemm determinism", .serialized)
struct GEMMDeterminismTests {
  /// Shapes above the parallel threshold whose M/N partition changes with the thread count.
  static let shapes: [GEMMCase] = [
    GEMMCase(m: 97, n: 203, k: 300),
    GEMMCase(m: 300, n: 17, k: 513, transA: true, transB: false, beta: 1),
    GEMMCase(m: 13, n: 500, k: 600, transA: false, transB: true),
    GEMMCase(m: 40, n: 50, k: 1001, transA: false, transB: true),
    GEMMCase(m: 64, n: 700, k: 64, transA: true, transB: true, beta: 1, padding: 2),
    // B packed by one thread's 40-row slab, read in place by the smaller slabs of more threads.
    GEMMCase(m: 40, n: 820, k: 300),
    // Past the split threshold (2²⁶ multiply-adds): several slabs per thread.
    GEMMCase(m: 300, n: 410, k: 560, transA: true, transB: false),
  ]

  @Test("Float32 is bit-identical for 1, 2, 3 and 4 threads", arguments: shapes)
  func floatBitIdentical(_ test: GEMMCase) {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    let operands = GEMMOperands(test, seed: 7)
    setNumThreads(1)
    let serial = runFloatGEMM(test, operands).map(\.bitPattern)
    for threads in [2, 3, 4] {
      setNumThreads(threads)
      let parallel = runFloatGEMM(test, operands).map(\.bitPattern)
      #expect(parallel == serial, "\(threads) threads differ from 1 for \(test.testDescription)")
    }
  }

  @Test("Float64 is bit-identical for 1 and 2 threads", arguments: shapes)
  func doubleBitIdentical(_ test: GEMMCase) {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    let operands = GEMMOperands(test, seed: 9)
    setNumThreads(1)
    let serial = runDoubleGEMM(test, operands).map(\.bitPattern)
    setNumThreads(2)
    #expect(runDoubleGEMM(test, operands).map(\.bitPattern) == serial)
  }

  @Test(
    "batched products (one per task when small) and their gradients: the same bits for 1 to 3 threads"
  )
  func batchedMatmulBitIdentical() {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    let x = sample([24, 33, 20], seed: 30).to(.float32).requiringGrad()
    let y = sample([24, 20, 17], seed: 31).to(.float32).requiringGrad()
    let g = sample([24, 33, 17], seed: 32).to(.float32)
    func bits() -> [UInt32] {
      let z = x.matmul(y)
      let (gx, gy) = (grad(z, x, gradOutput: g, retainGraph: true), grad(z, y, gradOutput: g))
      return (z.scalars + gx.scalars + gy.scalars).map(\.bitPattern)
    }
    setNumThreads(1)
    let serial = bits()
    // Each slice is the plain product of its matrices.
    let slice = x.detached().slice(dim: 0, start: 5, end: 6).reshape([33, 20])
      .matmul(y.detached().slice(dim: 0, start: 5, end: 6).reshape([20, 17]))
    #expect(Array(serial[5 * 33 * 17..<6 * 33 * 17]) == slice.scalars.map(\.bitPattern))
    for threads in [2, 3] {
      setNumThreads(threads)
      #expect(bits() == serial, "\(threads) threads differ from 1")
    }
  }

  @Test("setNumThreads round-trips")
  func threadCount() {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    setNumThreads(3)
    #expect(numThreads() == 3)
    setNumThreads(1)
    #expect(numThreads() == 1)
  }
}
