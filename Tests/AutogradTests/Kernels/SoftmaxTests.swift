import Autograd
import Foundation
import Testing

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
}
