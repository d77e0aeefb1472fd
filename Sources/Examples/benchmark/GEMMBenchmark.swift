@_spi(Benchmarking) import Autograd
import Dispatch

/// One GEMM shape to time: `C[m×n] = op(A)·op(B)` with the given transposes.
private struct GEMMShape {
  let name: String
  let transA: Bool
  let transB: Bool
  let m: Int
  let n: Int
  let k: Int
}

/// The shapes of the MNIST CNN and MLP (batch 128, row-major), the 1024³ reference and the
/// language-model decoder.
///
/// Names end in the transpose code (`NN`, `NT`, `TN`) that `Scripts/gemm_reference.py` reads.
private let gemmShapes: [GEMMShape] = [
  GEMMShape(name: "square NN", transA: false, transB: false, m: 1024, n: 1024, k: 1024),
  GEMMShape(name: "fc.fwd x·Wᵀ NT", transA: false, transB: true, m: 128, n: 128, k: 9216),
  GEMMShape(name: "fc.dX dY·W NN", transA: false, transB: false, m: 128, n: 9216, k: 128),
  GEMMShape(name: "fc.dW dYᵀ·x TN", transA: true, transB: false, m: 128, n: 9216, k: 128),
  // One image per GEMM, as Ops/Convolution.swift does (each kernel thread takes whole images).
  GEMMShape(name: "conv2.fwd/img W·col NN", transA: false, transB: false, m: 64, n: 576, k: 288),
  GEMMShape(name: "conv2.dW/img dY·colᵀ NT", transA: false, transB: true, m: 64, n: 288, k: 576),
  GEMMShape(name: "conv2.dWᵀ/img col·dYᵀ NT", transA: false, transB: true, m: 288, n: 64, k: 576),
  GEMMShape(name: "conv2.dCol/img Wᵀ·dY TN", transA: true, transB: false, m: 288, n: 576, k: 64),
  GEMMShape(name: "conv1.fwd/img W·col NN", transA: false, transB: false, m: 32, n: 676, k: 9),
  GEMMShape(name: "conv1.dW/img dY·colᵀ NT", transA: false, transB: true, m: 32, n: 9, k: 676),
  GEMMShape(name: "mlp.fwd x·Wᵀ NT", transA: false, transB: true, m: 128, n: 128, k: 784),
  GEMMShape(name: "mlp.dX dY·W NN", transA: false, transB: false, m: 128, n: 784, k: 128),
  GEMMShape(name: "mlp.dW dYᵀ·x TN", transA: true, transB: false, m: 128, n: 784, k: 128),
  GEMMShape(name: "mlp.out x·Wᵀ NT", transA: false, transB: true, m: 128, n: 10, k: 128),
  // The word-language-model decoder (700 tokens, hidden 200, 10k words), forward and backward.
  GEMMShape(name: "lm.dec x·Wᵀ NT", transA: false, transB: true, m: 700, n: 10_000, k: 200),
  GEMMShape(name: "lm.dec.dX dY·W NN", transA: false, transB: false, m: 700, n: 200, k: 10_000),
  GEMMShape(name: "lm.dec.dW dYᵀ·x TN", transA: true, transB: false, m: 10_000, n: 200, k: 700),
]

/// Times the single-precision GEMM kernel on each shape of `gemmShapes` with the current
/// `numThreads()`, and returns the median GFLOPS (2·m·n·k flops per product) of several timed
/// repetitions after a warm-up.
func runGEMMBenchmarks() -> [(name: String, m: Int, n: Int, k: Int, gflops: Double)] {
  var results: [(name: String, m: Int, n: Int, k: Int, gflops: Double)] = []
  var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
  func nextValue() -> Float {
    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int(truncatingIfNeeded: seed >> 40) % 2001 - 1000) / 1000
  }
  for shape in gemmShapes {
    let a = (0..<(shape.m * shape.k)).map { _ in nextValue() }
    let b = (0..<(shape.k * shape.n)).map { _ in nextValue() }
    var c = [Float](repeating: 0, count: shape.m * shape.n)
    let lda = shape.transA ? shape.m : shape.k
    let ldb = shape.transB ? shape.k : shape.n
    let flops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
    func once() -> Double {
      let start = DispatchTime.now().uptimeNanoseconds
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          c.withUnsafeMutableBufferPointer { c in
            benchmarkSGEMM(
              transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
              a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: 0,
              c: c.baseAddress!, ldc: shape.n)
          }
        }
      }
      return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    // Warm up (buffers, threads, caches), then time enough repetitions for ~0.5 s in total.
    let first = once()
    _ = once()
    let reps = max(5, min(2000, Int(0.5 / max(first, 1e-7))))
    var times = (0..<reps).map { _ in once() }
    times.sort()
    results.append((shape.name, shape.m, shape.n, shape.k, flops / times[reps / 2] / 1e9))
  }
  return results
}
