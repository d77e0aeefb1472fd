// 2-D convolution as im2col + GEMM over chunks of a fixed number of images: never a full-batch
// column matrix, large enough GEMMs to use every core, and a summation order (for the weight
// gradient) fixed by the chunk size alone, so results do not depend on the thread count.

/// Images per im2col chunk. Part of the numerics: the weight gradient sums chunk by chunk.
let convolutionChunk = 8

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
    "conv2d: kernel \(kh)×\(kw) is larger than the padded input \(h + 2 * padding)×\(w + 2 * padding)")
  let layout = ConvLayout(n: n, c: c, h: h, w: w, o: o, ck: c * kh * kw, plane: oh * ow, geometry: geometry)
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
    let dx = needX ? Tensor.zeros(xd.shape, dtype: xd.dtype) : nil
    let dw = needW ? Tensor.zeros(wd.shape, dtype: wd.dtype) : nil
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

/// The sizes of one convolution and its chunked forward and backward kernels.
struct ConvLayout {
  let n, c, h, w, o, ck, plane: Int
  let geometry: Kernels.ConvGeometry

  /// Unfolds images `start..<start+b` side by side into `col` [ck, b·plane], in parallel.
  func unfold<T: TensorScalar>(
    _ x: UnsafeMutablePointer<T>, start: Int, count b: Int, into col: UnsafeMutablePointer<T>
  ) {
    let (chw, plane, geometry) = (c * h * w, plane, geometry)
    Kernels.parallelFor(b) { j in
      Kernels.im2col(x + (start + j) * chw, col + j * plane, geometry, rowStride: b * plane)
    }
  }

  func forward<T: TensorScalar>(
    _: T.Type, _ input: Tensor, _ weight: Tensor, _ bias: Tensor?, _ out: Tensor
  ) {
    let chunk = Swift.min(convolutionChunk, n)
    let x = input.storage.pointer(T.self)
    let wp = weight.storage.pointer(T.self)
    let y = out.storage.pointer(T.self)
    let bp = bias?.storage.pointer(T.self)
    let col = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(ck * chunk * plane, 1))
    let product = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(o * chunk * plane, 1))
    defer {
      col.deallocate()
      product.deallocate()
    }
    let (o, plane) = (o, plane)
    for start in stride(from: 0, to: n, by: chunk) {
      let b = Swift.min(chunk, n - start)
      unfold(x, start: start, count: b, into: col)
      // product [o, b·plane] = W [o, ck] · col [ck, b·plane]
      Kernels.gemm(
        T.self, transA: false, transB: false, m: o, n: b * plane, k: ck, a: wp, lda: ck, b: col,
        ldb: b * plane, beta: 0, c: product, ldc: b * plane)
      Kernels.parallelFor(b) { j in
        for ch in 0..<o {
          let src = product + ch * b * plane + j * plane
          let dst = y + ((start + j) * o + ch) * plane
          let shift = bp?[ch] ?? 0
          for q in 0..<plane { dst[q] = src[q] + shift }
        }
      }
    }
  }

  func backward<T: TensorScalar>(
    _: T.Type, _ input: Tensor, _ weight: Tensor, _ grad: Tensor, _ dx: Tensor?, _ dw: Tensor?
  ) {
    let chunk = Swift.min(convolutionChunk, n)
    let x = input.storage.pointer(T.self)
    let wp = weight.storage.pointer(T.self)
    let gp = grad.storage.pointer(T.self)
    let col = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(ck * chunk * plane, 1))
    let gathered = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(o * chunk * plane, 1))
    defer {
      col.deallocate()
      gathered.deallocate()
    }
    let (o, plane, chw, geometry) = (o, plane, c * h * w, geometry)
    for start in stride(from: 0, to: n, by: chunk) {
      let b = Swift.min(chunk, n - start)
      // gathered [o, b·plane] from grad [b, o, plane]
      Kernels.parallelFor(b) { j in
        for ch in 0..<o {
          (gathered + ch * b * plane + j * plane).update(
            from: gp + ((start + j) * o + ch) * plane, count: plane)
        }
      }
      if let dw {
        unfold(x, start: start, count: b, into: col)
        // dW [o, ck] += gathered [o, b·plane] · colᵀ
        Kernels.gemm(
          T.self, transA: false, transB: true, m: o, n: ck, k: b * plane, a: gathered,
          lda: b * plane, b: col, ldb: b * plane, beta: 1, c: dw.storage.pointer(T.self), ldc: ck)
      }
      if let dx {
        // dcol [ck, b·plane] = Wᵀ · gathered, then folded back onto each image.
        Kernels.gemm(
          T.self, transA: true, transB: false, m: ck, n: b * plane, k: o, a: wp, lda: ck,
          b: gathered, ldb: b * plane, beta: 0, c: col, ldc: b * plane)
        let dp = dx.storage.pointer(T.self)
        Kernels.parallelFor(b) { j in
          Kernels.col2im(col + j * plane, dp + (start + j) * chw, geometry, rowStride: b * plane)
        }
      }
    }
  }
}
