// 2-D convolution as im2col + GEMM, one image at a time: each kernel thread takes whole images
// (unfold, product, fold back) with a column matrix of one image that stays in its core's cache,
// and no barrier between the steps. The weight gradient is summed per fixed group of images, then
// over the groups in order, so results do not depend on the thread count.

/// Images per partial sum of the weight gradient. Part of the numerics: the weight gradient is
/// Σ over groups (in order) of Σ over the group's images (in order).
public let convolutionGroup = 8

extension Kernels {
  /// Runs `body(i)` for `i` in `0..<count`: in parallel when there are at least as many
  /// iterations as kernel threads, otherwise serially so that each iteration's GEMMs use the
  /// threads. Results are the same either way.
  @usableFromInline static func forEachImage(_ count: Int, _ body: (Int) -> Void) {
    if count >= threadCount() {
      parallelFor(count, body)
    } else {
      for index in 0..<count { body(index) }
    }
  }
}

/// The sizes of one convolution and its per-image forward and backward kernels.
public struct ConvLayout {
  public let n, c, h, w, o, ck, plane: Int
  public let geometry: Kernels.ConvGeometry

  public init(n: Int, c: Int, h: Int, w: Int, o: Int, geometry: Kernels.ConvGeometry) {
    (self.n, self.c, self.h, self.w, self.o) = (n, c, h, w, o)
    ck = c * geometry.kernelH * geometry.kernelW
    plane = geometry.outH * geometry.outW
    self.geometry = geometry
  }

  /// Runs `body(i)` for `i` in `0..<count`: in parallel when there are at least as many
  /// iterations as kernel threads, otherwise serially so that each iteration's GEMMs use the
  /// threads. Results are the same either way.
  @usableFromInline func forEach(_ count: Int, _ body: (Int) -> Void) {
    Kernels.forEachImage(count, body)
  }

  /// Writes the output `out` [n, o, outH, outW] of input `input` [n, c, h, w], weight `weight`
  /// [o, c, kh, kw] and optional `bias` [o].
  @inlinable public func forward<T: KernelScalar>(
    _: T.Type, _ input: UnsafePointer<T>, _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
    _ out: UnsafeMutablePointer<T>
  ) {
    let x = UncheckedSendable(input)
    let wp = UncheckedSendable(weight)
    let y = UncheckedSendable(out)
    let bp = UncheckedSendable(bias)
    let (o, ck, plane, chw, geometry) = (o, ck, plane, c * h * w, geometry)
    if Kernels.usesWinograd(geometry, inChannels: c, outChannels: o) {
      let winograd = WinogradConvolution(
        n: n, inChannels: c, outChannels: o, height: h, width: w, padding: geometry.padding)
      Kernels.withScratch(T.self, count: 16 * o * c) { u in
        winograd.transformWeight(weight, adjoint: false, u)
        winograd.forward(T.self, input, u, bias, out)
      }
      return
    }
    forEach(n) { j in
      Kernels.withScratch(T.self, count: ck * plane) { col in
        Kernels.im2col(x.value + j * chw, col, geometry)
        // y_j [o, plane] = W [o, ck] · col [ck, plane]
        let yj = y.value + j * o * plane
        Kernels.gemm(
          T.self, transA: false, transB: false, m: o, n: plane, k: ck, a: wp.value, lda: ck,
          b: col, ldb: plane, beta: 0, c: yj, ldc: plane)
        if let bias = bp.value {
          for ch in 0..<o {
            let row = yj + ch * plane
            let shift = bias[ch]
            for q in 0..<plane { row[q] += shift }
          }
        }
      }
    }
  }

  /// Writes the gradients of the input (`dx`, every element; needs `weight`) and of the weight
  /// (`dw`, every element; needs `input`) for the output gradient `grad`, either or both.
  @inlinable public func backward<T: KernelScalar>(
    _: T.Type, input: UnsafePointer<T>?, weight: UnsafePointer<T>?, grad: UnsafePointer<T>,
    dx: UnsafeMutablePointer<T>?, dw: UnsafeMutablePointer<T>?
  ) {
    if let dx, let weight, geometry.padding <= 2,
      Kernels.usesWinograd(geometry, inChannels: o, outChannels: c)
    {
      // The input gradient is the convolution of the output gradient, padded by 2 − padding,
      // with the flipped, transposed kernels: Winograd too. The weight gradient stays im2col.
      if dw != nil {
        backward(T.self, input: input, weight: nil, grad: grad, dx: nil, dw: dw)
      }
      let winograd = WinogradConvolution(
        n: n, inChannels: o, outChannels: c, height: geometry.outH, width: geometry.outW,
        padding: 2 - geometry.padding)
      Kernels.withScratch(T.self, count: 16 * o * c) { u in
        winograd.transformWeight(weight, adjoint: true, u)
        winograd.forward(T.self, grad, u, nil, dx)
      }
      return
    }
    let x = UncheckedSendable(input)
    let wp = UncheckedSendable(weight)
    let gp = UncheckedSendable(grad)
    let dp = UncheckedSendable(dx)
    let (n, o, ck, plane, chw, geometry) = (n, o, ck, plane, c * h * w, geometry)
    let groups = (n + convolutionGroup - 1) / convolutionGroup
    let weightCount = o * ck
    let needW = dw != nil
    Kernels.withScratch(T.self, count: needW ? groups * weightCount : 0) { partialsPointer in
      let partials = UncheckedSendable(partialsPointer)
      forEach(groups) { group in
        Kernels.withScratch(T.self, count: ck * plane) { col in
          let first = group * convolutionGroup
          for j in first..<Swift.min(n, first + convolutionGroup) {
            let gj = gp.value + j * o * plane
            if needW {
              // partialᵀ [ck, o] (+)= col_j [ck, plane] · grad_jᵀ: the transpose of
              // grad_j · col_jᵀ, with the same products summed in the same order (so the same
              // bits), but packing col_j row by row instead of transposing it.
              Kernels.im2col(x.value! + j * chw, col, geometry)
              Kernels.gemm(
                T.self, transA: false, transB: true, m: ck, n: o, k: plane, a: col, lda: plane,
                b: gj, ldb: plane, beta: j == first ? 0 : 1,
                c: partials.value + group * weightCount, ldc: o)
            }
            if let dx = dp.value {
              // dcol [ck, plane] = Wᵀ · grad_j, folded back onto the zeroed image.
              Kernels.gemm(
                T.self, transA: true, transB: false, m: ck, n: plane, k: o, a: wp.value!, lda: ck,
                b: gj, ldb: plane, beta: 0, c: col, ldc: plane)
              let image = dx + j * chw
              image.update(repeating: 0, count: chw)
              Kernels.col2im(col, image, geometry)
            }
          }
        }
      }
      if let dw {
        // dW [o, ck] = Σ over groups, in order, of partialᵀ.
        let total = dw
        if groups == 0 { total.update(repeating: 0, count: weightCount) }
        for group in 0..<groups {
          let partial = partials.value + group * weightCount
          for q in 0..<ck {
            for f in 0..<o {
              let value = partial[q * o + f]
              total[f * ck + q] = group == 0 ? value : total[f * ck + q] + value
            }
          }
        }
      }
    }
  }
}
