import Autograd
import Foundation
import Testing

@testable import AutogradKernels

/// The vector softmax kernel (contiguous `Float` rows, 16 lanes at a time, rows split over the
/// kernel threads) and the one-pass backward used when the backward pass is not recorded.
@Suite("softmax kernels", .serialized)
struct SoftmaxKernelTests {
  /// Row lengths around the vector width and past the sum's block of 1,024 terms.
  static let rowLengths = [1, 15, 16, 17, 100, 1037, 2500]

  @Test(
    "Float softmax and logSoftmax agree with float64 for rows of any length", arguments: rowLengths)
  func forwardMatchesDouble(_ n: Int) {
    // The float64 reference starts from the same (float32-rounded) logits.
    let single = sample([3, n], seed: 500 + UInt64(n), -30, 30).to(.float32)
    let logits = single.to(.float64)
    let worstSoftmax = zip(
      single.softmax(dim: 1).doubleScalars, logits.softmax(dim: 1).doubleScalars
    )
    .map { abs($0 - $1) }.max()!
    #expect(worstSoftmax < 1e-6, "softmax of rows of \(n) differs from float64 by \(worstSoftmax)")
    let worstLog = zip(
      single.logSoftmax(dim: 1).doubleScalars, logits.logSoftmax(dim: 1).doubleScalars
    ).map { abs($0 - $1) / max(1, abs($1)) }.max()!
    #expect(worstLog < 1e-6, "logSoftmax of rows of \(n) differs from float64 by \(worstLog)")
  }

  @Test("NaN spreads over its row only, −∞ gets weight 0, a row of −∞ gives NaN (as PyTorch)")
  func specialValues() {
    var values = [Float](repeating: 0.5, count: 3 * 40)
    values[7] = .nan  // row 0, in the vector part
    values[40 + 38] = -.infinity  // row 1, in the tail
    for j in 80..<120 { values[j] = -.infinity }  // row 2
    let p = Tensor(shape: [3, 40], scalars: values).softmax(dim: 1).scalars
    #expect(p[0..<40].allSatisfy { $0.isNaN })
    #expect(p[40 + 38] == 0)
    #expect(abs(p[40..<80].reduce(0, +) - 1) < 1e-6)
    #expect(p[80..<120].allSatisfy { $0.isNaN })
  }

  @Test(
    "the one-pass backward is bit for bit the composed (createGraph) derivative",
    arguments: rowLengths)
  func fusedBackwardMatchesComposed(_ n: Int) {
    for log in [false, true] {
      let x = sample([5, n], seed: 520 + UInt64(n), -4, 4).to(.float32).requiringGrad()
      let g = sample([5, n], seed: 540 + UInt64(n)).to(.float32)
      func gradient(createGraph: Bool) -> [Float] {
        let y = log ? x.logSoftmax(dim: 1) : x.softmax(dim: 1)
        return grad(y, x, gradOutput: g, createGraph: createGraph).scalars
      }
      let fused = gradient(createGraph: false)
      let composed = gradient(createGraph: true)
      #expect(
        fused.map(\.bitPattern) == composed.map(\.bitPattern),
        "\(log ? "logSoftmax" : "softmax") rows of \(n): one pass differs from the composed rule")
    }
  }

  @Test("results and gradients are bit-identical for 1, 2 and 3 threads")
  func bitIdenticalAcrossThreads() {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    // 300 rows of 500: large enough to be split over the threads.
    let x = sample([300, 500], seed: 560, -10, 10).to(.float32).requiringGrad()
    let g = sample([300, 500], seed: 561).to(.float32)
    func bits() -> [UInt32] {
      var out = [UInt32]()
      for log in [false, true] {
        let y = log ? x.logSoftmax(dim: 1) : x.softmax(dim: 1)
        out += y.scalars.map(\.bitPattern)
        out += grad(y, x, gradOutput: g).scalars.map(\.bitPattern)
      }
      return out
    }
    setNumThreads(1)
    let serial = bits()
    for threads in [2, 3] {
      setNumThreads(threads)
      #expect(bits() == serial, "\(threads) threads differ from 1")
    }
  }

  @Test(
    "a row whose elements from `live` on are −∞ gives the whole row's bits, skipping those vectors",
    arguments: [1, 15, 16, 17, 40, 64, 100])
  func liveWidthMatchesWholeRow(_ n: Int) {
    let logits = sample([n], seed: 580 + UInt64(n), -6, 6).to(.float32).scalars
    for live in Set([0, 1, 5, 15, 16, 17, 31, 33, n - 1, n].filter { $0 >= 0 && $0 <= n }) {
      var row = logits
      for j in live..<n { row[j] = -.infinity }
      var whole = [Float](repeating: 0, count: n)
      var skipping = [Float](repeating: .nan, count: n)
      Kernels.softmaxRow(row, &whole, n: n, log: false)
      Kernels.softmaxRow(row, &skipping, n: n, log: false, live: live)
      #expect(
        whole.map(\.bitPattern) == skipping.map(\.bitPattern), "row of \(n), live \(live)")
    }
  }

  @Test("the row kernel's maximum: NaN anywhere gives NaN everywhere; ties of ±0 give one result")
  func rowMaximumSpecialValues() {
    for position in [0, 9, 16, 31, 36] {
      var row = [Float](repeating: 1, count: 37)
      row[position] = .nan
      var out = [Float](repeating: 0, count: 37)
      Kernels.softmaxRow(row, &out, n: 37, log: false)
      #expect(out.allSatisfy { $0.isNaN }, "NaN at \(position)")
      Kernels.softmaxRow(row, &out, n: 37, log: true)
      #expect(out.allSatisfy { $0.isNaN }, "log, NaN at \(position)")
    }
    // The maximum is 0 with either sign in different lanes: exp(x − m) and x − (m + log Σ)
    // come out the same as with +0 alone.
    var signed = [Float](repeating: -1, count: 32)
    signed[3] = -0.0
    signed[20] = 0
    var plain = signed
    plain[3] = 0
    for log in [false, true] {
      var a = [Float](repeating: 0, count: 32)
      var b = a
      Kernels.softmaxRow(signed, &a, n: 32, log: log)
      Kernels.softmaxRow(plain, &b, n: 32, log: log)
      #expect(a[20].bitPattern == b[20].bitPattern && a[0].bitPattern == b[0].bitPattern)
    }
  }
}
