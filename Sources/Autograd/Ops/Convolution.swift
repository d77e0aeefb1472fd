// 2-D convolution as im2col + GEMM, one image at a time: each kernel thread takes whole images
// (unfold, product, fold back) with a column matrix of one image that stays in its core's cache,
// and no barrier between the steps. The weight gradient is summed per fixed group of images, then
// over the groups in order, so results do not depend on the thread count.

/// Images per partial sum of the weight gradient. Part of the numerics: the weight gradient is
/// Σ over groups (in order) of Σ over the group's images (in order).
let convolutionGroup = 8

/// The 2-D convolution (cross-correlation) of `input` [N, C, H, W] with `weight` [O, C, kh, kw],
/// plus `bias` [O], like `torch.nn.functional.conv2d`. The result is [N, O, outH, outW] with
/// `outH = (H + 2·padding − kh) / stride + 1`.
public func conv2d(
  _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0
) -> Tensor {
  input.requireFloat(.conv2d)
  check(
    input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1]
      && input.dtype == weight.dtype,
    "conv2d: input of shape \(input.shape) and weight of shape \(weight.shape) do not match (expected [N, C, H, W] and [O, C, kh, kw] of one type)"
  )
  check(stride >= 1 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) are invalid")
  let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
  let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
  if let bias {
    check(
      bias.shape == [o] && bias.dtype == input.dtype,
      "conv2d: bias of shape \(bias.shape) does not match \(o) output channels")
  }
  let geometry = Kernels.ConvGeometry(
    channels: c, height: h, width: w, kernelH: kh, kernelW: kw, stride: stride, padding: padding)
  let (oh, ow) = (geometry.outH, geometry.outW)
  check(
    oh > 0 && ow > 0,
    "conv2d: kernel \(kh)×\(kw) is larger than the padded input \(h + 2 * padding)×\(w + 2 * padding)"
  )
  let layout = ConvLayout(
    n: n, c: c, h: h, w: w, o: o, ck: c * kh * kw, plane: oh * ow, geometry: geometry)
  let out = Tensor(uninitializedShape: [n, o, oh, ow], dtype: input.dtype)
  if input.dtype == .float32 {
    layout.forward(Float.self, input, weight, bias, out)
  } else {
    layout.forward(Double.self, input, weight, bias, out)
  }

  let (xd, wd) = (input.detached(), weight.detached())
  let needX = input.requiresGrad
  let needW = weight.requiresGrad
  let needB = bias?.requiresGrad ?? false
  var inputs = [input, weight]
  if let bias { inputs.append(bias) }
  return Tensor.record(.conv2d, inputs, out) { g in
    // Written image by image by the kernel (zeroed, then folded into).
    let dx = needX ? Tensor(uninitializedShape: xd.shape, dtype: xd.dtype) : nil
    let dw = needW ? Tensor(uninitializedShape: wd.shape, dtype: wd.dtype) : nil
    if g.dtype == .float32 {
      layout.backward(Float.self, xd, wd, g, dx, dw)
    } else {
      layout.backward(Double.self, xd, wd, g, dx, dw)
    }
    var grads: [Tensor?] = [dx, dw]
    if bias != nil {
      grads.append(needB ? g.sum(dims: [0, 2, 3]) : nil)
    }
    return grads
  }
}

/// The sizes of one convolution and its per-image forward and backward kernels.
struct ConvLayout {
  let n, c, h, w, o, ck, plane: Int
  let geometry: Kernels.ConvGeometry

  /// Runs `body(i)` for `i` in `0..<count`: in parallel when there are at least as many
  /// iterations as kernel threads, otherwise serially so that each iteration's GEMMs use the
  /// threads. Results are the same either way.
  private func forEach(_ count: Int, _ body: (Int) -> Void) {
    if count >= numThreads() {
      Kernels.parallelFor(count, body)
    } else {
      for index in 0..<count { body(index) }
    }
  }

  func forward<T: TensorScalar>(
    _: T.Type, _ input: Tensor, _ weight: Tensor, _ bias: Tensor?, _ out: Tensor
  ) {
    let x = UncheckedSendable(input.storage.pointer(T.self))
    let wp = UncheckedSendable(weight.storage.pointer(T.self))
    let y = UncheckedSendable(out.storage.pointer(T.self))
    let bp = UncheckedSendable(bias?.storage.pointer(T.self))
    let (o, ck, plane, chw, geometry) = (o, ck, plane, c * h * w, geometry)
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

  /// Writes the gradients of the input (`dx`, every element) and of the weight (`dw`, every
  /// element) for the output gradient `grad`.
  func backward<T: TensorScalar>(
    _: T.Type, _ input: Tensor, _ weight: Tensor, _ grad: Tensor, _ dx: Tensor?, _ dw: Tensor?
  ) {
    let x = UncheckedSendable(input.storage.pointer(T.self))
    let wp = UncheckedSendable(weight.storage.pointer(T.self))
    let gp = UncheckedSendable(grad.storage.pointer(T.self))
    let dp = UncheckedSendable(dx?.storage.pointer(T.self))
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
              Kernels.im2col(x.value + j * chw, col, geometry)
              Kernels.gemm(
                T.self, transA: false, transB: true, m: ck, n: o, k: plane, a: col, lda: plane,
                b: gj, ldb: plane, beta: j == first ? 0 : 1,
                c: partials.value + group * weightCount, ldc: o)
            }
            if let dx = dp.value {
              // dcol [ck, plane] = Wᵀ · grad_j, folded back onto the zeroed image.
              Kernels.gemm(
                T.self, transA: true, transB: false, m: ck, n: plane, k: o, a: wp.value, lda: ck,
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
        let total = dw.storage.pointer(T.self)
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
