import Autograd
import Foundation
import Testing

@testable import AutogradKernels

/// The SIMD exp and log against double-precision libm over sweeps of float inputs.
@Suite("Vector exp and log")
struct VectorMathTests {
  /// Largest error in units of the last place of the float nearest the exact result, over
  /// `inputs`, and the input where it occurs.
  private func worstULP(
    _ inputs: [Float], _ vector: (SIMD16<Float>) -> SIMD16<Float>, _ exact: (Double) -> Double
  ) -> (ulp: Double, at: Float) {
    var outputs = [Float](repeating: 0, count: inputs.count)
    inputs.withUnsafeBufferPointer { x in
      outputs.withUnsafeMutableBufferPointer { y in
        Kernels.map16(x.baseAddress!, y.baseAddress!, count: x.count, vector)
      }
    }
    var worst = (ulp: 0.0, at: Float.nan)
    for (x, y) in zip(inputs, outputs) {
      let reference = exact(Double(x))
      let nearest = Float(reference)
      let ulp = nearest == 0 ? Double(Float.leastNonzeroMagnitude) : Double(nearest.ulp)
      let error =
        nearest.isInfinite ? (y == nearest ? 0 : .infinity) : abs(Double(y) - reference) / ulp
      if !(error <= worst.ulp) { worst = (error, x) }
    }
    return worst
  }

  /// Every `step`-th float bit pattern from `low` to `high` (both non-negative), and their
  /// negatives when `signed`.
  private func sweep(from low: Float, to high: Float, step: UInt32, signed: Bool) -> [Float] {
    let values = stride(from: low.bitPattern, through: high.bitPattern, by: Int(step)).map {
      Float(bitPattern: $0)
    }
    return signed ? values + values.map { -$0 } : values
  }

  @Test("exp is within 2 ulp for |x| ≤ 104 and exact at the special values")
  func expAccuracy() {
    let inputs = sweep(from: 0, to: 104, step: 61, signed: true)
    let worst = worstULP(inputs, Kernels.exp, Foundation.exp)
    #expect(worst.ulp <= 2, "worst error \(worst.ulp) ulp at x = \(worst.at)")
    let specials: [Float] = [0, -0, 1, .infinity, -.infinity, 88.8, -105, .nan, 88.72, -87.3]
    var out = [Float](repeating: 0, count: specials.count)
    Kernels.map16(specials, &out, count: specials.count, Kernels.exp)
    #expect(Array(out[0..<7]) == [1, 1, Float(M_E), .infinity, 0, .infinity, 0])
    #expect(out[7].isNaN)
    #expect(out[8].isFinite && out[9] > 0)
  }

  @Test("sigmoid and tanh are within 3 ulp and exact at the special values")
  func sigmoidTanhAccuracy() {
    let inputs = sweep(from: 0, to: 104, step: 61, signed: true)
    let sigmoid = worstULP(inputs, Kernels.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
    #expect(sigmoid.ulp <= 3, "sigmoid: worst error \(sigmoid.ulp) ulp at x = \(sigmoid.at)")
    let tanh = worstULP(inputs, Kernels.tanh, Foundation.tanh)
    #expect(tanh.ulp <= 3, "tanh: worst error \(tanh.ulp) ulp at x = \(tanh.at)")
    let specials: [Float] = [0, -0.0, .infinity, -.infinity, 200, -200, .nan]
    var out = [Float](repeating: 0, count: specials.count)
    Kernels.map16(specials, &out, count: specials.count, Kernels.sigmoid)
    #expect(Array(out[0..<6]) == [0.5, 0.5, 1, 0, 1, 0] && out[6].isNaN)
    Kernels.map16(specials, &out, count: specials.count, Kernels.tanh)
    #expect(Array(out[0..<6]) == [0, 0, 1, -1, 1, -1] && out[6].isNaN)
    #expect(out[1].sign == .minus)
  }

  @Test(
    "log is within 2 ulp over all positive floats (subnormals included) and exact at the special values"
  )
  func logAccuracy() {
    let inputs = sweep(
      from: .leastNonzeroMagnitude, to: .greatestFiniteMagnitude, step: 257, signed: false)
    let worst = worstULP(inputs, Kernels.log, Foundation.log)
    #expect(worst.ulp <= 2, "worst error \(worst.ulp) ulp at x = \(worst.at)")
    let specials: [Float] = [1, 0, -0, .infinity, -1, .nan, -.infinity]
    var out = [Float](repeating: 0, count: specials.count)
    Kernels.map16(specials, &out, count: specials.count, Kernels.log)
    #expect(Array(out[0..<4]) == [0, -.infinity, -.infinity, .infinity])
    #expect(out[4].isNaN && out[5].isNaN && out[6].isNaN)
  }

  @Test("Float tensors' exp, log and softmax use the vector forms and agree with double precision")
  func tensorOpsUseVectorForms() {
    // 1,000 values: 62 full SIMD groups and a partial one of 8.
    let x = sample([1000], seed: 400, -20, 20).to(.float32)
    let exact = x.doubleScalars
    let e = x.exp().scalars
    let l = x.abs().log().scalars
    for i in 0..<1000 {
      let ulp = Double(Float(Foundation.exp(exact[i])).ulp)
      #expect(abs(Double(e[i]) - Foundation.exp(exact[i])) <= 2 * ulp, "exp at \(exact[i])")
      let logExact = Foundation.log(abs(exact[i]))
      #expect(abs(Double(l[i]) - logExact) <= 2 * Double(Float(logExact).ulp), "log at \(exact[i])")
    }
    let logits = sample([7, 37], seed: 401, -30, 30)
    let single = logits.to(.float32).softmax(dim: 1).doubleScalars
    let reference = logits.softmax(dim: 1).doubleScalars
    let worst = zip(single, reference).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-6, "softmax differs from float64 by \(worst)")
  }
}
