import Autograd
import Foundation
import Testing

@testable import AutogradKernels

/// Long sums: blocked and pairwise, so a float32 sum of a million terms keeps its precision,
/// while sums of up to `Kernels.sumBlock` terms stay the plain left-to-right sum.
@Suite("sum kernels")
struct ReductionTests {
  /// The float32 values 0.01·(1 + i mod 7), exactly summed in float64.
  static func values(_ n: Int) -> ([Float], Double) {
    let v = (0..<n).map { Float(0.01) * Float(1 + $0 % 7) }
    return (v, v.reduce(0.0) { $0 + Double($1) })
  }

  @Test("a float32 sum of 2²⁰ terms is within 1e-6 of the exact sum (a plain loop is ~1e-3 off)")
  func longSumIsAccurate() {
    let n = 1 << 20
    let (v, exact) = Self.values(n)
    let total = Double(Tensor(shape: [n], scalars: v).sum().item())
    #expect(abs(total - exact) / exact < 1e-6, "sum \(total), exact \(exact)")
    // The plain loop really is that far off here, so the check above can fail.
    var plain: Float = 0
    for x in v { plain += x }
    #expect(abs(Double(plain) - exact) / exact > 1e-4)
    // The norm of a long vector (gradient clipping's total norm) is accurate too.
    let norm = Double(Tensor(shape: [n], scalars: v).norm().item())
    let exactNorm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(norm - exactNorm) / exactNorm < 1e-6)
  }

  @Test("sums along an axis of 3,000 rows, for every column, are accurate as well")
  func longColumnSums() {
    let (n, inner) = (3000, 5)
    var v = [Float]()
    for j in 0..<n { for i in 0..<inner { v.append(Float(0.001) * Float(1 + (j + i) % 13)) } }
    let sums = Tensor(shape: [n, inner], scalars: v).sum(dim: 0).doubleScalars
    for i in 0..<inner {
      var exact = 0.0
      for j in 0..<n { exact += Double(v[j * inner + i]) }
      #expect(abs(sums[i] - exact) / exact < 1e-6)
    }
  }

  @Test(
    "up to sumBlock terms, the sum is the plain left-to-right one, bit for bit",
    arguments: [1, 7, 128, 1024])
  func shortSumsArePlain(_ n: Int) {
    let (v, _) = Self.values(n)
    var plain: Float = 0
    for x in v { plain += x }
    #expect(Tensor(shape: [n], scalars: v).sum().item() == Double(plain))
  }

  /// The documented order: plain up to `sumBlock` terms, else plain blocks added pairwise.
  static func documentedSum(_ v: ArraySlice<Float>) -> Float {
    let block = Kernels.sumBlock
    func plain(_ w: ArraySlice<Float>) -> Float { w.reduce(0, +) }
    if v.count <= block { return plain(v) }
    var partial = stride(from: v.startIndex, to: v.endIndex, by: block).map {
      plain(v[$0..<min($0 + block, v.endIndex)])
    }
    while partial.count > 1 {
      partial = stride(from: 0, to: partial.count, by: 2).map {
        $0 + 1 < partial.count ? partial[$0] + partial[$0 + 1] : partial[$0]
      }
    }
    return partial[0]
  }

  @Test(
    "row sums (eight or four rows or blocks at a time) keep the documented order, bit for bit",
    arguments: [7, 13, 1024, 1025, 5000, 9000])
  func rowSumsKeepTheOrder(_ n: Int) {
    let rows = 21
    let v = (0..<rows * n).map { Float(0.001) * Float(1 + ($0 * 7919) % 1013) - 0.3 }
    let sums = Tensor(shape: [rows, n], scalars: v).sum(dim: 1).scalars
    for r in 0..<rows {
      #expect(
        sums[r].bitPattern == Self.documentedSum(v[(r * n)..<((r + 1) * n)]).bitPattern,
        "row \(r) of \(n)")
    }
  }

  @Test(
    "column sums over many columns (split over the columns) keep the documented order, bit for bit",
    arguments: [300, 1500])
  func columnSumsKeepTheOrder(_ n: Int) {
    let columns = 2 * Kernels.sumColumnsChunk + 37
    let v = (0..<n * columns).map { Float(0.001) * Float(1 + ($0 * 7919) % 1013) - 0.3 }
    let saved = numThreads()
    defer { setNumThreads(saved) }
    for threads in [1, 2, 3] {
      setNumThreads(threads)
      let sums = Tensor(shape: [n, columns], scalars: v).sum(dims: [0]).scalars
      for c in [0, 1, Kernels.sumColumnsChunk - 1, Kernels.sumColumnsChunk, columns - 1] {
        let column = ArraySlice(stride(from: c, to: n * columns, by: columns).map { v[$0] })
        #expect(
          sums[c].bitPattern == Self.documentedSum(column).bitPattern,
          "column \(c) of \(columns), \(n) rows, \(threads) threads")
      }
    }
  }

  @Test(
    "one long sum and a long 2-norm (blocks split over the threads, eight at a time) keep the documented order, bit for bit",
    arguments: [70_000, 1024 * 97 + 13])
  func longSumAndNormKeepTheOrder(_ n: Int) {
    // Terms of many magnitudes and both signs, so that adding the blocks in another order
    // would change the result.
    let v = (0..<n).map { i -> Float in
      let scale: Float = i % 1024 == 5 ? 1 : 0.001
      return Float(sin(Double(i) * 0.37)) * Float(1 + (i * 7919) % 1013) * scale
    }
    let expectedSum = Self.documentedSum(v[...])
    let expectedNorm = Self.documentedSum(v.map { $0 * $0 }[...]).squareRoot()
    let doubles = v.map { Double($0) * 1.1 }
    let plainNorm64 = doubles.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let x = Tensor(shape: [n], scalars: v)
    let x64 = Tensor(shape: [n], scalars: doubles)
    let saved = numThreads()
    defer { setNumThreads(saved) }
    for threads in [1, 2, 3] {
      setNumThreads(threads)
      #expect(Float(x.sum().item()).bitPattern == expectedSum.bitPattern, "\(threads) threads")
      #expect(Float(x.norm().item()).bitPattern == expectedNorm.bitPattern, "\(threads) threads")
      // The fused norm is the composed one: the same squares, summed in the same order.
      #expect(x.norm().item() == (x * x).sum().sqrt().item())
      #expect(x64.norm().item() == (x64 * x64).sum().sqrt().item(), "\(threads) threads")
      #expect(abs(x64.norm().item() - plainNorm64) < 1e-9 * plainNorm64)
    }
  }
}
