import Autograd
import Testing

@testable import AutogradKernels

/// conv2d's per-image kernels: gradients against a naive float64 reference over several
/// weight-gradient groups, and bit-identical results for every thread count.
///
/// Changes the global thread count, so its tests run one after another.
@Suite("conv2d kernels", .serialized)
struct ConvolutionKernelTests {
  /// Forward output, input gradient and weight gradient of `conv2d` for the output gradient `g`.
  private func run(
    _ x: Tensor, _ w: Tensor, _ b: Tensor, _ g: Tensor, stride: Int, padding: Int
  ) -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
    let (xv, wv, bv) = (x.requiringGrad(), w.requiringGrad(), b.requiringGrad())
    let y = conv2d(xv, weight: wv, bias: bv, stride: stride, padding: padding)
    y.backward(gradient: g)
    return (y.doubleScalars, xv.grad!.doubleScalars, wv.grad!.doubleScalars, bv.grad!.doubleScalars)
  }

  @Test(
    "both gradients match a nested-loop reference over three weight-gradient groups",
    arguments: [(1, 0), (2, 1)])
  func gradientsMatchReference(stride: Int, padding: Int) {
    let (n, c, h, wd, o, kh, kw) = (19, 3, 7, 6, 5, 3, 2)
    #expect(n > 2 * convolutionGroup)
    let x = sample([n, c, h, wd], seed: 300)
    let w = sample([o, c, kh, kw], seed: 301)
    let b = sample([o], seed: 302)
    let oh = (h + 2 * padding - kh) / stride + 1
    let ow = (wd + 2 * padding - kw) / stride + 1
    let g = sample([n, o, oh, ow], seed: 303)
    let result = run(x, w, b, g, stride: stride, padding: padding)
    // dX[i, ch, iy, ix] = Σ g[i, f, y, z]·W[f, ch, p, q] and dW[f, ch, p, q] = Σ g·X over the
    // windows where (iy, ix) = (y·stride − padding + p, z·stride − padding + q).
    let (xs, ws, gs) = (x.doubleScalars, w.doubleScalars, g.doubleScalars)
    var dx = [Double](repeating: 0, count: xs.count)
    var dw = [Double](repeating: 0, count: ws.count)
    for i in 0..<n {
      for f in 0..<o {
        for y in 0..<oh {
          for z in 0..<ow {
            let grad = gs[((i * o + f) * oh + y) * ow + z]
            for ch in 0..<c {
              for p in 0..<kh {
                for q in 0..<kw {
                  let iy = y * stride - padding + p
                  let ix = z * stride - padding + q
                  guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                  let xi = ((i * c + ch) * h + iy) * wd + ix
                  let wi = ((f * c + ch) * kh + p) * kw + q
                  dx[xi] += grad * ws[wi]
                  dw[wi] += grad * xs[xi]
                }
              }
            }
          }
        }
      }
    }
    let worstX = zip(result.dx, dx).map { abs($0 - $1) }.max()!
    let worstW = zip(result.dw, dw).map { abs($0 - $1) }.max()!
    #expect(worstX < 1e-12, "input gradient differs by \(worstX)")
    #expect(worstW < 1e-12, "weight gradient differs by \(worstW)")
  }

  @Test(
    "Float32 forward and all three gradients are bit-identical for 1, 2, 3 and 4 threads",
    arguments: [19, 3])
  func bitIdenticalAcrossThreads(batch: Int) {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    // Large enough that the per-image GEMMs pass the parallel threshold when the batch is
    // smaller than the thread count (then images run one by one and the GEMMs use the threads).
    let x = sample([batch, 16, 20, 20], seed: 310).to(.float32)
    let w = sample([32, 16, 3, 3], seed: 311).to(.float32)
    let b = sample([32], seed: 312).to(.float32)
    let g = sample([batch, 32, 20, 20], seed: 313).to(.float32)
    func bits() -> [[UInt64]] {
      // The bias gradient sums 19·20·20 elements per channel, split over the threads.
      let r = run(x, w, b, g, stride: 1, padding: 1)
      return [r.y, r.dx, r.dw, r.db].map { $0.map(\.bitPattern) }
    }
    setNumThreads(1)
    let serial = bits()
    for threads in [2, 3, 4] {
      setNumThreads(threads)
      #expect(bits() == serial, "\(threads) threads differ from 1 (batch \(batch))")
    }
  }

  @Test("Float32 unpadded stride-1 convolution (the SIMD im2col path) agrees with Float64")
  func floatFastPathMatchesDouble() {
    // Output width 28 = 16 + 8 + 4: every branch of the short-row copy.
    let x = sample([3, 2, 9, 30], seed: 320)
    let w = sample([4, 2, 3, 3], seed: 321)
    let b = sample([4], seed: 322)
    let g = sample([3, 4, 7, 28], seed: 323)
    let double = run(x, w, b, g, stride: 1, padding: 0)
    let single = run(
      x.to(.float32), w.to(.float32), b.to(.float32), g.to(.float32), stride: 1, padding: 0)
    for (name, a, e) in [
      ("output", single.y, double.y), ("input gradient", single.dx, double.dx),
      ("weight gradient", single.dw, double.dw),
    ] {
      let worst = zip(a, e).map { abs($0 - $1) / max(1, abs($1)) }.max()!
      #expect(worst < 1e-5, "\(name) differs by \(worst)")
    }
  }
}

/// The Winograd F(2×2, 3×3) kernel against a nested-loop direct convolution in float64, on odd
/// sizes and every padding it serves, forward and as the input gradient (adjoint kernels); and
/// bit-identical for every thread count. Calls the kernel directly, so it changes no global
/// setting.
@Suite("Winograd convolution kernel", .serialized)
struct WinogradKernelTests {
  /// Direct cross-correlation of x [n, c, h, w] with w [k, c, 3, 3] (or, with `adjoint`, the
  /// flipped transposes of w [c, k, 3, 3]), zero padding `pad`.
  private func direct(
    _ x: [Double], _ w: [Double], n: Int, c: Int, k: Int, h: Int, wd: Int, pad: Int,
    adjoint: Bool
  ) -> [Double] {
    let (oh, ow) = (h + 2 * pad - 2, wd + 2 * pad - 2)
    var y = [Double](repeating: 0, count: n * k * oh * ow)
    for i in 0..<n {
      for f in 0..<k {
        for oy in 0..<oh {
          for ox in 0..<ow {
            var sum = 0.0
            for ch in 0..<c {
              for p in 0..<3 {
                for q in 0..<3 {
                  let (iy, ix) = (oy - pad + p, ox - pad + q)
                  guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                  let weight =
                    adjoint
                    ? w[((ch * k + f) * 3 + 2 - p) * 3 + 2 - q] : w[((f * c + ch) * 3 + p) * 3 + q]
                  sum += x[((i * c + ch) * h + iy) * wd + ix] * weight
                }
              }
            }
            y[((i * k + f) * oh + oy) * ow + ox] = sum
          }
        }
      }
    }
    return y
  }

  private func winograd<T: KernelScalar>(
    _: T.Type, _ x: [T], _ w: [T], n: Int, c: Int, k: Int, h: Int, wd: Int, pad: Int,
    adjoint: Bool
  ) -> [T] {
    let conv = WinogradConvolution(
      n: n, inChannels: c, outChannels: k, height: h, width: wd, padding: pad)
    var u = [T](repeating: 0, count: 16 * k * c)
    var y = [T](repeating: .nan, count: n * k * conv.outH * conv.outW)
    u.withUnsafeMutableBufferPointer { conv.transformWeight(w, adjoint: adjoint, $0.baseAddress!) }
    x.withUnsafeBufferPointer { xp in
      u.withUnsafeBufferPointer { up in
        y.withUnsafeMutableBufferPointer {
          conv.forward(T.self, xp.baseAddress!, up.baseAddress!, nil, $0.baseAddress!)
        }
      }
    }
    return y
  }

  @Test(
    "matches direct convolution on odd shapes, paddings 0, 1, 2, forward and adjoint",
    arguments: [
      (3, 5, 7, 9, 0), (2, 3, 6, 5, 1), (1, 9, 11, 13, 2), (4, 1, 3, 3, 1), (2, 17, 21, 4, 0),
    ])
  func matchesDirect(shape: (c: Int, k: Int, h: Int, w: Int, pad: Int)) {
    let (n, c, k, h, wd, pad) = (3, shape.c, shape.k, shape.h, shape.w, shape.pad)
    let x = sample([n, c, h, wd], seed: 400).doubleScalars
    for adjoint in [false, true] {
      let w = sample(adjoint ? [c, k, 3, 3] : [k, c, 3, 3], seed: 401).doubleScalars
      let expected = direct(x, w, n: n, c: c, k: k, h: h, wd: wd, pad: pad, adjoint: adjoint)
      let got = winograd(
        Double.self, x, w, n: n, c: c, k: k, h: h, wd: wd, pad: pad, adjoint: adjoint)
      #expect(got.count == expected.count)
      let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
      #expect(worst < 1e-12, "adjoint \(adjoint): differs by \(worst)")
      let single = winograd(
        Float.self, x.map(Float.init), w.map(Float.init), n: n, c: c, k: k, h: h, wd: wd,
        pad: pad, adjoint: adjoint)
      let worstSingle =
        zip(single, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
      #expect(worstSingle < 1e-5, "float32, adjoint \(adjoint): differs by \(worstSingle)")
    }
  }

  @Test("Float32 results are bit-identical for 1, 2, 3 and 4 threads", arguments: [19, 1])
  func bitIdenticalAcrossThreads(batch: Int) {
    let saved = numThreads()
    defer { setNumThreads(saved) }
    let x = sample([batch, 16, 20, 19], seed: 410).doubleScalars.map(Float.init)
    let w = sample([32, 16, 3, 3], seed: 411).doubleScalars.map(Float.init)
    func bits() -> [UInt32] {
      winograd(Float.self, x, w, n: batch, c: 16, k: 32, h: 20, wd: 19, pad: 1, adjoint: false)
        .map(\.bitPattern)
    }
    setNumThreads(1)
    let serial = bits()
    for threads in [2, 3, 4] {
      setNumThreads(threads)
      #expect(bits() == serial, "\(threads) threads differ from 1 (batch \(batch))")
    }
  }
}
