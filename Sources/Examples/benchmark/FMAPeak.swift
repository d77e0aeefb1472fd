import Dispatch
import NN

// The machine's single-precision FMA peak, measured rather than looked up: every thread runs 12
// independent chains of vector fused multiply-adds (enough to cover the FMA latency on two
// ports), on the widest vector the kernels are built for. Throughputs elsewhere in the
// benchmark are printed as a percentage of it.

#if AUTOGRAD_AVX512
  /// The vector the GEMM kernel is built on.
  private typealias PeakVector = SIMD16<Float>
#else
  /// The vector the GEMM kernel is built on.
  private typealias PeakVector = SIMD8<Float>
#endif

/// Runs `iterations` steps of 12 independent FMA chains and returns a value that depends on
/// all of them (so that the compiler cannot drop any).
@inline(never)
private func fmaChains(iterations: Int, seed: Float) -> Float {
  typealias V = PeakVector
  let x = V(repeating: 1 + seed * 1e-7)
  let y = V(repeating: 1 - seed * 1e-7)
  var a0 = V(repeating: seed)
  var a1 = a0 + 1
  var a2 = a0 + 2
  var a3 = a0 + 3
  var a4 = a0 + 4
  var a5 = a0 + 5
  var a6 = a0 + 6
  var a7 = a0 + 7
  var a8 = a0 + 8
  var a9 = a0 + 9
  var a10 = a0 + 10
  var a11 = a0 + 11
  for _ in 0..<iterations {
    a0 = a0.addingProduct(x, y)
    a1 = a1.addingProduct(x, y)
    a2 = a2.addingProduct(x, y)
    a3 = a3.addingProduct(x, y)
    a4 = a4.addingProduct(x, y)
    a5 = a5.addingProduct(x, y)
    a6 = a6.addingProduct(x, y)
    a7 = a7.addingProduct(x, y)
    a8 = a8.addingProduct(x, y)
    a9 = a9.addingProduct(x, y)
    a10 = a10.addingProduct(x, y)
    a11 = a11.addingProduct(x, y)
  }
  let total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
  return total.sum()
}

/// The measured FP32 FMA peak of `threads` threads running at once, in GFLOPS (an FMA counts as
/// two flops): the best of five rounds of about 0.1 s each.
func measureFMAPeak(threads: Int) -> (gflops: Double, vectorLanes: Int) {
  let lanes = PeakVector.scalarCount
  let flopsPerIteration = Double(2 * lanes * 12)
  // Calibrate on one thread: iterations for about 0.1 s.
  var iterations = 1 << 16
  while true {
    let start = DispatchTime.now().uptimeNanoseconds
    blackHole(fmaChains(iterations: iterations, seed: 1))
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    if seconds > 0.02 {
      iterations = max(1, Int(Double(iterations) * 0.1 / seconds))
      break
    }
    iterations *= 4
  }
  let calibrated = iterations
  var best = 0.0
  for _ in 0..<5 {
    let start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
      blackHole(fmaChains(iterations: calibrated, seed: Float(thread + 1)))
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    best = max(best, flopsPerIteration * Double(calibrated) * Double(threads) / seconds / 1e9)
  }
  return (best, lanes)
}

/// Keeps `value` alive, so that the work producing it is not optimised away.
@inline(never)
private func blackHole(_ value: Float) {
  if value == .infinity { print("", terminator: "") }
}
